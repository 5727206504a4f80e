import type { FastifyInstance } from 'fastify';

/**
 * A route path as a regular expression over request paths: `:name` is one segment (or its own
 * `(regex)`), `*` is the rest, `::` a literal colon. Null for a catch-all, which makes no path "known".
 */
export function routePathPattern(url: string): RegExp | null {
  if (url === '*' || url === '/*') return null;
  let source = '';
  for (let i = 0; i < url.length; i++) {
    const char = url[i] ?? '';
    if (char === ':' && url[i + 1] === ':') {
      source += ':';
      i++;
    } else if (char === ':') {
      const name = /^[A-Za-z0-9_]+/.exec(url.slice(i + 1))?.[0] ?? '';
      i += name.length;
      if (url[i + 1] === '(') {
        const end = url.indexOf(')', i + 1);
        if (end < 0) return null;
        source += `(?:${url.slice(i + 2, end)})`;
        i = end;
      } else {
        source += '[^/]+';
      }
    } else if (char === '*') {
      source += '.*';
    } else {
      source += char.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  try {
    return new RegExp(`^${source}$`);
  } catch {
    return null;
  }
}

/**
 * Collects every route as it is registered (call before any route is added); answers which methods a
 * request path has, so that a wrong method gets 405 with `Allow` rather than 404.
 */
export function collectKnownRoutes(app: FastifyInstance): (path: string) => string[] {
  const routes = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  app.addHook('onRoute', (route) => {
    const pattern = routePathPattern(route.url);
    if (!pattern) return;
    const known = routes.get(pattern.source) ?? { pattern, methods: new Set<string>() };
    for (const method of [route.method].flat()) known.methods.add(method);
    routes.set(pattern.source, known);
  });
  return (path) => {
    const methods = new Set<string>();
    for (const { pattern, methods: routeMethods } of routes.values()) {
      if (pattern.test(path)) for (const method of routeMethods) methods.add(method);
    }
    return [...methods].sort();
  };
}
