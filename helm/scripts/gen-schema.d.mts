/** The values schema object (JSON Schema draft-07). */
export function buildSchema(): Record<string, unknown>;
/** Absolute path of helm/vista3d/values.schema.json. */
export const SCHEMA_PATH: string;
/** The file's expected text (pretty JSON + newline). */
export function schemaText(): string;
