/**
 * A minimal static ELF executable that does nothing, forever, until SIGTERM/SIGINT:
 * the process of Cryo's pause image (see pauseImage.ts). Generated here, not shipped as a
 * binary blob, so every byte is reviewable and no registry is needed.
 *
 * Program (the same on both architectures):
 *   rt_sigaction(SIGTERM, &act, NULL, 8); rt_sigaction(SIGINT, &act, NULL, 8);
 *   for (;;) pause();            // arm64 has no pause(): ppoll(NULL, 0, NULL, NULL, 0)
 *   handler: exit_group(0);
 * As PID 1 of a container, a process without a handler ignores SIGTERM, so `docker stop`
 * would wait its whole timeout; the handler makes it stop at once.
 * The encodings were checked with `llvm-mc --show-encoding` and the binaries with
 * `readelf`/`llvm-objdump`; the unit test pins the structure.
 */

export type PauseArch = 'amd64' | 'arm64';

/** Where the single PT_LOAD segment is mapped (classic non-PIE base, 64 KiB aligned). */
export const PAUSE_ELF_BASE = 0x400000;
const EHDR_SIZE = 64;
const PHDR_SIZE = 56;
const PHNUM = 2; // PT_LOAD + PT_GNU_STACK (a non-executable stack)
export const PAUSE_ELF_CODE_OFFSET = EHDR_SIZE + PHNUM * PHDR_SIZE;

const SIGINT = 2;
const SIGTERM = 15;
const SA_RESTORER = 0x04000000;
export const EM_X86_64 = 0x3e;
export const EM_AARCH64 = 0xb7;

/** Docker's architecture names (`docker version` Arch / image platform) for the ones we build. */
export function pauseArch(dockerArch: string): PauseArch | undefined {
  const a = dockerArch.toLowerCase();
  if (a === 'amd64' || a === 'x86_64') return 'amd64';
  if (a === 'arm64' || a === 'aarch64') return 'arm64';
  return undefined;
}

/** A tiny assembler buffer: bytes, labels, and fix-ups resolved once the labels are known. */
class Code {
  readonly bytes: number[] = [];
  private readonly labels = new Map<string, number>();
  private readonly fixups: Array<{ at: number; label: string; kind: 'rel32' | 'rel8' | 'abs64' | 'adr' | 'b' }> = [];

  get pos(): number {
    return this.bytes.length;
  }
  label(name: string): void {
    this.labels.set(name, this.pos);
  }
  emit(...b: number[]): void {
    this.bytes.push(...b);
  }
  u32(v: number): void {
    this.emit(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
  u64(v: number): void {
    this.u32(v % 0x1_0000_0000);
    this.u32(Math.floor(v / 0x1_0000_0000));
  }
  fix(kind: 'rel32' | 'rel8' | 'abs64' | 'adr' | 'b', label: string): void {
    this.fixups.push({ at: this.pos, label, kind });
    if (kind === 'rel32' || kind === 'adr' || kind === 'b') this.u32(0);
    else if (kind === 'rel8') this.emit(0);
    else this.u64(0);
  }
  align(n: number): void {
    while (this.pos % n) this.emit(0);
  }
  /** Resolves fix-ups for code that will be mapped at `vaddr`. */
  link(vaddr: number): Uint8Array {
    const out = Uint8Array.from(this.bytes);
    const view = new DataView(out.buffer);
    for (const f of this.fixups) {
      const target = this.labels.get(f.label);
      if (target === undefined) throw new Error(`pause ELF: unknown label ${f.label}`);
      switch (f.kind) {
        case 'rel32': // x86: relative to the end of the 4-byte displacement
          view.setInt32(f.at, target - (f.at + 4), true);
          break;
        case 'rel8': {
          const d = target - (f.at + 1);
          if (d < -128 || d > 127) throw new Error('pause ELF: rel8 out of range');
          view.setInt8(f.at, d);
          break;
        }
        case 'abs64':
          view.setBigUint64(f.at, BigInt(vaddr + target), true);
          break;
        case 'adr': { // arm64 ADR: 21-bit byte offset from this instruction, immlo in 29..30, immhi in 5..23
          const d = target - f.at;
          const rd = out[f.at]! & 0x1f;
          view.setUint32(f.at, (0x10000000 | ((d & 3) << 29) | (((d >> 2) & 0x7ffff) << 5) | rd) >>> 0, true);
          break;
        }
        case 'b': // arm64 B: 26-bit word offset from this instruction
          view.setUint32(f.at, (0x14000000 | (((target - f.at) >> 2) & 0x3ffffff)) >>> 0, true);
          break;
      }
    }
    return out;
  }
}

/** struct sigaction as rt_sigaction reads it on x86_64 and arm64: handler, flags, restorer, mask. */
function sigaction(c: Code): void {
  c.align(8);
  c.label('act');
  c.fix('abs64', 'handler');
  c.u64(SA_RESTORER); // x86_64 refuses to deliver without a restorer; the handler never returns
  c.fix('abs64', 'handler');
  c.u64(0);
}

function amd64(): Code {
  const c = new Code();
  for (const sig of [SIGTERM, SIGINT]) {
    c.emit(0xb8), c.u32(13); //        mov eax, 13 (rt_sigaction)
    c.emit(0xbf), c.u32(sig); //       mov edi, sig
    c.emit(0x48, 0x8d, 0x35), c.fix('rel32', 'act'); // lea rsi, [rip+act]
    c.emit(0x31, 0xd2); //             xor edx, edx
    c.emit(0x41, 0xba), c.u32(8); //   mov r10d, 8 (sizeof sigset_t)
    c.emit(0x0f, 0x05); //             syscall
  }
  c.label('loop');
  c.emit(0xb8), c.u32(34); //          mov eax, 34 (pause)
  c.emit(0x0f, 0x05); //               syscall
  c.emit(0xeb), c.fix('rel8', 'loop'); // jmp loop
  c.label('handler');
  c.emit(0xb8), c.u32(231); //         mov eax, 231 (exit_group)
  c.emit(0x31, 0xff); //               xor edi, edi
  c.emit(0x0f, 0x05); //               syscall
  sigaction(c);
  return c;
}

function arm64(): Code {
  const c = new Code();
  const movz = (rd: number, imm: number) => c.u32((0xd2800000 | (imm << 5) | rd) >>> 0); // mov xRd, #imm16
  const svc0 = () => c.u32(0xd4000001);
  for (const sig of [SIGTERM, SIGINT]) {
    movz(0, sig);
    c.fix('adr', 'act'), (c.bytes[c.pos - 4] = 1); // adr x1, act (Rd patched in by link())
    movz(2, 0);
    movz(3, 8);
    movz(8, 134); // rt_sigaction
    svc0();
  }
  c.label('loop');
  for (let r = 0; r <= 4; r++) movz(r, 0);
  movz(8, 73); // ppoll(NULL, 0, NULL, NULL, 0): blocks until a signal
  svc0();
  c.fix('b', 'loop');
  c.label('handler');
  movz(0, 0);
  movz(8, 94); // exit_group
  svc0();
  sigaction(c);
  return c;
}

/** The complete ELF file for `arch`. */
export function buildPauseElf(arch: PauseArch): Uint8Array {
  const code = (arch === 'amd64' ? amd64() : arm64()).link(PAUSE_ELF_BASE + PAUSE_ELF_CODE_OFFSET);
  const size = PAUSE_ELF_CODE_OFFSET + code.length;
  const elf = new Uint8Array(size);
  const v = new DataView(elf.buffer);
  elf.set([0x7f, 0x45, 0x4c, 0x46, 2 /* 64-bit */, 1 /* little endian */, 1 /* version */, 0 /* SysV ABI */], 0);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, arch === 'amd64' ? EM_X86_64 : EM_AARCH64, true);
  v.setUint32(20, 1, true); // EV_CURRENT
  v.setBigUint64(24, BigInt(PAUSE_ELF_BASE + PAUSE_ELF_CODE_OFFSET), true); // e_entry
  v.setBigUint64(32, BigInt(EHDR_SIZE), true); // e_phoff
  v.setBigUint64(40, 0n, true); // e_shoff: no sections
  v.setUint32(48, 0, true); // e_flags
  v.setUint16(52, EHDR_SIZE, true);
  v.setUint16(54, PHDR_SIZE, true);
  v.setUint16(56, PHNUM, true);
  v.setUint16(58, 64, true); // e_shentsize (unused, conventional)
  v.setUint16(60, 0, true);
  v.setUint16(62, 0, true);
  // PT_LOAD: the whole file, read + execute.
  let p = EHDR_SIZE;
  v.setUint32(p, 1, true);
  v.setUint32(p + 4, 5, true); // PF_R | PF_X
  v.setBigUint64(p + 8, 0n, true);
  v.setBigUint64(p + 16, BigInt(PAUSE_ELF_BASE), true);
  v.setBigUint64(p + 24, BigInt(PAUSE_ELF_BASE), true);
  v.setBigUint64(p + 32, BigInt(size), true);
  v.setBigUint64(p + 40, BigInt(size), true);
  v.setBigUint64(p + 48, 0x10000n, true); // fits 4 KiB and 64 KiB page kernels
  // PT_GNU_STACK: read + write, not executable.
  p += PHDR_SIZE;
  v.setUint32(p, 0x6474e551, true);
  v.setUint32(p + 4, 6, true); // PF_R | PF_W
  v.setBigUint64(p + 48, 16n, true);
  elf.set(code, PAUSE_ELF_CODE_OFFSET);
  return elf;
}
