import { ApiError, type ErrorType } from '../lib/errors';

/**
 * Which of Appwrite's two database APIs a request came through. They share one implementation;
 * only names differ: TablesDB says table/column/row, the legacy Databases API says
 * collection/attribute/document, and their error types differ accordingly.
 */
export type Flavor = 'tablesdb' | 'legacy';

const ERRORS = {
  tableNotFound: ['table_not_found', 'collection_not_found'],
  tableExists: ['table_already_exists', 'collection_already_exists'],
  columnNotFound: ['column_not_found', 'attribute_not_found'],
  columnExists: ['column_already_exists', 'attribute_already_exists'],
  columnLimit: ['column_limit_exceeded', 'attribute_limit_exceeded'],
  columnValueInvalid: ['column_value_invalid', 'attribute_value_invalid'],
  columnDefaultUnsupported: ['column_default_unsupported', 'attribute_default_unsupported'],
  columnTypeInvalid: ['column_type_invalid', 'attribute_type_invalid'],
  columnUnknown: ['column_unknown', 'attribute_unknown'],
  columnInvalidResize: ['column_invalid_resize', 'attribute_invalid_resize'],
  columnTypeNotSupported: ['column_type_not_supported', 'attribute_type_not_supported'],
  indexNotFound: ['column_index_not_found', 'index_not_found'],
  indexExists: ['column_index_already_exists', 'index_already_exists'],
  indexLimit: ['column_index_limit_exceeded', 'index_limit_exceeded'],
  indexInvalid: ['column_index_invalid', 'index_invalid'],
} as const satisfies Record<string, readonly [ErrorType, ErrorType]>;

export type FlavoredError = keyof typeof ERRORS;

export function errorType(flavor: Flavor, name: FlavoredError): ErrorType {
  return ERRORS[name][flavor === 'tablesdb' ? 0 : 1];
}

/** The flavor's error; `message` overrides the catalogue text, `args` fill its `%s`. */
export function flavoredError(flavor: Flavor, name: FlavoredError, message?: string, ...args: string[]): ApiError {
  return new ApiError(errorType(flavor, name), message, ...args);
}

/** Singular nouns as Appwrite words its messages ("Cannot set default value for required column"). */
export function columnNoun(flavor: Flavor): 'column' | 'attribute' {
  return flavor === 'tablesdb' ? 'column' : 'attribute';
}
