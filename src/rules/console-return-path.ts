/**
 * Where a sign-in goes back to: a console path of this site only, so that a link such as
 * `/console/sign-in?next=https://evil.example` cannot send a freshly signed-in person elsewhere.
 */
export function consoleReturnPath(next: string | undefined): string {
  if (next === undefined) return '/console';
  // `//host` and `/\host` are other hosts to a browser; a scheme or control character has no place in a path.
  const local =
    /^\/console(?:[/?#]|$)/.test(next) &&
    !next.startsWith('//') &&
    ![...next].some((c) => c === '\\' || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f) &&
    next.length <= 2000;
  return local ? next : '/console';
}
