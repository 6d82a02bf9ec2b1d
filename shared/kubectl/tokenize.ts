/**
 * Split a console line the way a POSIX shell would before kubectl sees it: whitespace separates
 * words, single quotes are literal, double quotes allow \" \\ \$ \` escapes, a backslash outside
 * quotes escapes the next character, and an unquoted # starts a comment. Pipes, redirections and
 * command lists are refused rather than passed to kubectl as odd arguments.
 */

export type Tokens = { ok: true; words: string[] } | { ok: false; error: string };

export function tokenize(line: string): Tokens {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  // Only an unquoted operator character counts: `a|b` is a pipe, `'a|b'` is a word.
  let bareOperator = false;
  let i = 0;
  const n = line.length;

  const finish = (): void => {
    if (inWord) words.push(word);
    word = "";
    inWord = false;
  };

  while (i < n) {
    const ch = line[i]!;
    if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r") {
      finish();
      i++;
      continue;
    }
    if (ch === "#" && !inWord) break;
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { ok: false, error: "error: unexpected EOF while looking for matching `''" };
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
      continue;
    }
    if (ch === '"') {
      i++;
      let closed = false;
      while (i < n) {
        const c = line[i]!;
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        if (c === "\\" && i + 1 < n && '"\\$`'.includes(line[i + 1]!)) {
          word += line[i + 1];
          i += 2;
          continue;
        }
        word += c;
        i++;
      }
      if (!closed) return { ok: false, error: "error: unexpected EOF while looking for matching `\"'" };
      inWord = true;
      continue;
    }
    if (ch === "\\") {
      if (i + 1 < n) word += line[i + 1];
      inWord = true;
      i += 2;
      continue;
    }
    if ("|&;<>".includes(ch)) bareOperator = true;
    word += ch;
    inWord = true;
    i++;
  }
  finish();
  if (bareOperator) {
    return { ok: false, error: "error: this console runs a single kubectl command: pipes, redirections and ';' or '&&' are not supported" };
  }
  return { ok: true, words };
}
