/**
 * A ustar archive of regular files, built in memory. Enough for images of a handful of
 * files (the pause image); not a general tar writer. Entries are owned by root with a fixed
 * mtime so that the same content always gives the same layer.
 */
export interface TarEntry {
  name: string;
  mode: number;
  data: Uint8Array;
}

const BLOCK = 512;

export function tarOf(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    if (!e.name || Buffer.byteLength(e.name) > 100 || e.name.includes('\0') || e.name.startsWith('/') || e.name.split('/').includes('..')) {
      throw new Error(`tar entry name not allowed: ${JSON.stringify(e.name)}`);
    }
    parts.push(header(e), Buffer.from(e.data), Buffer.alloc(pad(e.data.length)));
  }
  parts.push(Buffer.alloc(2 * BLOCK)); // end-of-archive marker
  return Buffer.concat(parts);
}

function pad(n: number): number {
  return (BLOCK - (n % BLOCK)) % BLOCK;
}

function header(e: TarEntry): Buffer {
  const h = Buffer.alloc(BLOCK);
  const octal = (v: number, at: number, len: number) => h.write(`${v.toString(8).padStart(len - 1, '0')}\0`, at, len, 'ascii');
  h.write(e.name, 0, 100, 'utf8');
  octal(e.mode & 0o7777, 100, 8);
  octal(0, 108, 8); // uid
  octal(0, 116, 8); // gid
  octal(e.data.length, 124, 12);
  octal(0, 136, 12); // mtime
  h.write('        ', 148, 8, 'ascii'); // checksum counts as spaces while summing
  h.write('0', 156, 1, 'ascii'); // regular file
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write('root', 265, 32, 'ascii');
  h.write('root', 297, 32, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}
