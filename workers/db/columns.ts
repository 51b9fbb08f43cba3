import { integer, text } from 'drizzle-orm/sqlite-core';

/** Column shapes shared by the system tables: JSON held as text, booleans as 0/1 integers. */
export const json = <T>(name: string) => text(name, { mode: 'json' }).$type<T>();
export const bool = (name: string) => integer(name, { mode: 'boolean' });
