// Ids the backend's engine segments without prompts (its /v1/vista3d/info through our proxy).
import { useEffect, useState } from 'react';

/** Null while unknown (a NIM does not say): then everything is offered and the backend decides. */
export function useAutomaticClasses(): Set<number> | null {
  const [ids, setIds] = useState<Set<number> | null>(null);
  useEffect(() => {
    let live = true;
    fetch('/api/vista3d/v1/vista3d/info')
      .then((r) => (r.ok ? r.json() : null))
      .then((info: { automaticClasses?: Array<{ id: number }> } | null) => {
        if (live && Array.isArray(info?.automaticClasses)) setIds(new Set(info.automaticClasses.map((c) => c.id)));
      })
      .catch(() => undefined);
    return () => { live = false; };
  }, []);
  return ids;
}
