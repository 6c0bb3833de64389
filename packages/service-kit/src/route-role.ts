/**
 * The least role a route needs, declared on every frontend route as `config: { role }` (the auth
 * plugin refuses to start with a route that has none). `public` routes need no login (health, the
 * login endpoints, the static UI shell, `/metrics`, which has its own credential).
 */
export type RouteRole = 'public' | 'viewer' | 'annotator' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    role?: RouteRole;
  }
}
