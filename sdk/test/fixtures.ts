import type { DatabaseModel } from '../src/codegen';

/** The schema behind test/types/schema.ts (its generated text): enums, arrays, a relationship, optional columns. */
export const BLOG: DatabaseModel[] = [
  {
    $id: 'blog',
    name: 'Blog',
    tables: [
      {
        $id: 'posts',
        name: 'Posts',
        columns: [
          { key: 'title', type: 'string', required: true },
          { key: 'status', type: 'string', format: 'enum', elements: ['draft', 'published'], required: true },
          { key: 'views', type: 'integer', required: false },
          { key: 'tags', type: 'string', array: true, required: false },
          { key: 'author', type: 'relationship', relatedTable: 'authors', relationType: 'manyToOne', side: 'parent', required: false },
        ],
      },
      {
        $id: 'authors',
        name: 'Authors',
        columns: [
          { key: 'name', type: 'string', required: true },
          { key: 'email', type: 'string', format: 'email', required: false },
          { key: 'posts', type: 'relationship', relatedTable: 'posts', relationType: 'manyToOne', side: 'child', required: false },
        ],
      },
    ],
  },
];
