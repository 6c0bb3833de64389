import { z } from 'zod';

/**
 * Parses environment variables with a zod schema; a bad value stops start-up with a message
 * naming the variable, instead of a crash later.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid configuration:\n${lines}`);
  }
  return parsed.data;
}

/** Env helpers: ports, comma lists and booleans as strings in, typed values out. */
export const envPort = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
export const envList = z
  .string()
  .optional()
  .transform((s) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : []));
export const envBool = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((s) => (s === undefined || s === '' ? fallback : /^(1|true|yes|on)$/i.test(s)));
