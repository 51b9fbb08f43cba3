/**
 * Appwrite's ColumnRelationship / AttributeRelationship models, and the input of
 * `createRelationshipColumn` / `updateRelationshipColumn` as the SDKs send it.
 */
import { z } from 'zod';
import type { Flavor } from '../flavor';
import { ON_DELETE, RELATION_TYPES, type RelationDef } from './types';

export function relationColumnModel(rel: RelationDef, flavor: Flavor) {
  return {
    key: rel.key,
    type: 'relationship',
    status: 'available',
    error: '',
    required: false,
    array: false,
    $createdAt: rel.createdAt,
    $updatedAt: rel.updatedAt,
    [flavor === 'tablesdb' ? 'relatedTable' : 'relatedCollection']: rel.relatedTableId,
    relationType: rel.type,
    twoWay: rel.twoWay,
    twoWayKey: rel.twoWayKey,
    onDelete: rel.onDelete,
    side: rel.side,
  };
}

/** The create body, normalised: the related table arrives as `relatedTableId` in both APIs. */
export function createRelationshipSchema(flavor: Flavor) {
  const common = {
    type: z.enum(RELATION_TYPES),
    twoWay: z.boolean().optional().default(false),
    key: z.string().nullish(),
    twoWayKey: z.string().nullish(),
    onDelete: z.enum(ON_DELETE).optional().default('restrict'),
  };
  const related = z.string().min(1).max(36);
  if (flavor === 'tablesdb') return z.object({ relatedTableId: related, ...common });
  return z.object({ relatedCollectionId: related, ...common }).transform(({ relatedCollectionId, ...rest }) => ({ relatedTableId: relatedCollectionId, ...rest }));
}

export const updateRelationshipSchema = z.object({
  onDelete: z.enum(ON_DELETE).nullish(),
  newKey: z.string().nullish(),
});
