import pg from 'pg';

/**
 * LISTEN on one channel with its own connection, reconnecting after a drop (a restart of PostgreSQL
 * or a network blip); `onReconnect` runs after a reconnection, when notifications may have been missed.
 */
export async function listenChannel(
  url: string,
  channel: string,
  onNotify: (payload: string) => void,
  onReconnect?: () => void,
): Promise<{ close(): Promise<void> }> {
  let client: pg.Client | null = null;
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url, application_name: `vista3d-listen-${channel}` });
    c.on('error', () => retry());
    c.on('end', () => retry());
    c.on('notification', (msg) => {
      if (msg.channel === channel) onNotify(msg.payload ?? '');
    });
    await c.connect();
    await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    client = c;
  };
  const retry = (): void => {
    if (closed || timer) return;
    client = null;
    timer = setTimeout(() => {
      timer = null;
      connect().then(
        () => onReconnect?.(),
        () => retry(),
      );
    }, 1000);
  };
  await connect();
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await client?.end().catch(() => undefined);
    },
  };
}
