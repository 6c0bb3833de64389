// A small Dockerfile reader for the container tests: stages and instructions, with `\` line
// continuations joined and comments dropped (enough for our own files; not a full BuildKit parser).

export interface Instruction {
  cmd: string;
  args: string;
  line: number;
}

export interface Stage {
  from: string;
  alias?: string;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let logical = lines[i];
    if (/^\s*#/.test(logical) || logical.trim() === '') continue;
    while (logical.trimEnd().endsWith('\\') && i + 1 < lines.length) {
      logical = logical.trimEnd().slice(0, -1);
      i++;
      if (!/^\s*#/.test(lines[i])) logical += ` ${lines[i].trim()}`;
    }
    const m = /^\s*([A-Za-z]+)\s+(.*)$/s.exec(logical);
    if (!m) throw new Error(`line ${start + 1}: cannot read "${logical}"`);
    const cmd = m[1].toUpperCase();
    const args = m[2].replace(/\s+/g, ' ').trim();
    if (cmd === 'FROM') {
      const f = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!f) throw new Error(`line ${start + 1}: bad FROM "${args}"`);
      stages.push({ from: f[1], alias: f[2], instructions: [] });
    } else {
      if (stages.length === 0) throw new Error(`line ${start + 1}: ${cmd} before FROM`);
      stages.at(-1)!.instructions.push({ cmd, args, line: start + 1 });
    }
  }
  return stages;
}

/** Parses an exec-form (JSON array) CMD/ENTRYPOINT/HEALTHCHECK CMD; undefined for shell form. */
export function execForm(args: string): string[] | undefined {
  try {
    const v: unknown = JSON.parse(args);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
  } catch {
    return undefined;
  }
}
