import { z } from 'zod';
import { UsageError } from './ui.js';

/** Validates parsed commander options with zod; a failure is a UsageError (exit 2). */
export function parseOptions<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
  const r = schema.safeParse(raw);
  if (!r.success) {
    const msg = r.error.issues.map((i) => `--${i.path.join('.').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${i.message}`).join('; ');
    throw new UsageError(msg);
  }
  return r.data;
}

export const intOption = (min: number) =>
  z.coerce.number().int(`must be an integer`).min(min, `must be at least ${min}`);
