/** Tokens of a JQL query: words, quoted strings, operators, parentheses and commas, with their 1-based position. */

export type TokenKind = 'word' | 'string' | 'op' | '(' | ')' | ',' | 'end';

export interface Token {
  kind: TokenKind;
  text: string;
  /** 1-based character position, as Jira reports it ("line 1, character 9"). */
  at: number;
}

export class JqlError extends Error {}

const OPERATORS = ['!=', '>=', '<=', '!~', '=', '>', '<', '~'];
const WORD_STOP = /[\s()=,!<>~"']/;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: c, text: c, at: i + 1 });
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', text: op, at: i + 1 });
      i += op.length;
      continue;
    }
    if (c === '"' || c === "'") {
      const start = i;
      let value = '';
      i++;
      while (i < text.length && text.charAt(i) !== c) {
        if (text.charAt(i) === '\\' && i + 1 < text.length) i++;
        value += text.charAt(i);
        i++;
      }
      if (i >= text.length) {
        throw new JqlError(
          `Error in the JQL Query: The quoted string '${value}' has not been completed. (line 1, character ${start + 1})`,
        );
      }
      i++;
      tokens.push({ kind: 'string', text: value, at: start + 1 });
      continue;
    }
    const start = i;
    while (i < text.length && !WORD_STOP.test(text.charAt(i))) i++;
    if (i === start) {
      const code = c.charCodeAt(0).toString(16).padStart(4, '0');
      throw new JqlError(
        `Error in the JQL Query: The character '${c}' is a reserved JQL character. You must enclose it in a string or use the escape '\\u${code}' instead. (line 1, character ${start + 1})`,
      );
    }
    tokens.push({ kind: 'word', text: text.slice(start, i), at: start + 1 });
  }
  tokens.push({ kind: 'end', text: '', at: text.length + 1 });
  return tokens;
}
