import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildPauseElf, EM_AARCH64, EM_X86_64, PAUSE_ELF_BASE, PAUSE_ELF_CODE_OFFSET, pauseArch } from '../../src/core/docker/pauseElf.js';
import { tarOf } from '../../src/core/docker/tinyTar.js';

function hdr(elf: Uint8Array) {
  const v = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const ph = (i: number) => {
    const o = Number(v.getBigUint64(32, true)) + i * v.getUint16(54, true);
    return {
      type: v.getUint32(o, true),
      flags: v.getUint32(o + 4, true),
      offset: Number(v.getBigUint64(o + 8, true)),
      vaddr: Number(v.getBigUint64(o + 16, true)),
      filesz: Number(v.getBigUint64(o + 32, true)),
      memsz: Number(v.getBigUint64(o + 40, true)),
      align: Number(v.getBigUint64(o + 48, true)),
    };
  };
  return { v, machine: v.getUint16(18, true), type: v.getUint16(16, true), entry: Number(v.getBigUint64(24, true)), phnum: v.getUint16(56, true), ph };
}

for (const [arch, machine] of [['amd64', EM_X86_64], ['arm64', EM_AARCH64]] as const) {
  test(`${arch} pause ELF: a static 64-bit executable whose one loadable segment holds the entry point`, () => {
    const elf = buildPauseElf(arch);
    assert.deepEqual([...elf.subarray(0, 7)], [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
    const h = hdr(elf);
    assert.equal(h.type, 2, 'ET_EXEC');
    assert.equal(h.machine, machine);
    assert.equal(h.phnum, 2);
    const load = h.ph(0);
    assert.equal(load.type, 1, 'PT_LOAD');
    assert.equal(load.flags, 5, 'R+X, not writable');
    assert.equal(load.offset, 0);
    assert.equal(load.vaddr, PAUSE_ELF_BASE);
    assert.equal(load.filesz, elf.length, 'maps the whole file');
    assert.equal(load.memsz, load.filesz);
    assert.equal(load.vaddr % load.align, load.offset % load.align);
    const stack = h.ph(1);
    assert.equal(stack.type, 0x6474e551, 'PT_GNU_STACK');
    assert.equal(stack.flags & 1, 0, 'stack not executable');
    assert.equal(h.entry, PAUSE_ELF_BASE + PAUSE_ELF_CODE_OFFSET);
    assert.ok(elf.length < 512, `tiny (${elf.length} bytes)`);
    // The sigaction struct ends the file: handler and restorer point inside the code.
    const act = elf.length - 32;
    const handler = Number(h.v.getBigUint64(act, true));
    assert.ok(handler > h.entry && handler < PAUSE_ELF_BASE + act, 'handler inside the code');
    assert.equal(h.v.getBigUint64(act + 8, true), 0x04000000n, 'SA_RESTORER');
    assert.equal(Number(h.v.getBigUint64(act + 16, true)), handler);
    assert.equal(h.v.getBigUint64(act + 24, true), 0n, 'empty mask');
  });
}

test('amd64 pause ELF: the pinned instruction stream (rt_sigaction x2, pause loop, exit_group handler)', () => {
  const code = [...buildPauseElf('amd64').subarray(PAUSE_ELF_CODE_OFFSET)];
  const hex = code.slice(0, 72).map((b) => b.toString(16).padStart(2, '0')).join('');
  assert.equal(
    hex,
    // mov eax,13; mov edi,15; lea rsi,[rip+0x37]; xor edx,edx; mov r10d,8; syscall
    'b80d000000' + 'bf0f000000' + '488d3537000000' + '31d2' + '41ba08000000' + '0f05' +
      // the same for SIGINT (lea displacement shorter by the 27 bytes in between)
      'b80d000000' + 'bf02000000' + '488d351c000000' + '31d2' + '41ba08000000' + '0f05' +
      // loop: mov eax,34 (pause); syscall; jmp loop
      'b822000000' + '0f05' + 'ebf7' +
      // handler: mov eax,231 (exit_group); xor edi,edi; syscall; pad to 8
      'b8e7000000' + '31ff' + '0f05',
  );
});

test('arm64 pause ELF: ADR/B offsets resolve to the sigaction and the loop', () => {
  const elf = buildPauseElf('arm64');
  const v = new DataView(elf.buffer);
  const insn = (i: number) => v.getUint32(PAUSE_ELF_CODE_OFFSET + 4 * i, true);
  const act = elf.length - 32 - PAUSE_ELF_CODE_OFFSET;
  for (const i of [1, 7]) {
    const w = insn(i);
    assert.equal(w & 0x9f000000, 0x10000000, 'ADR');
    assert.equal(w & 0x1f, 1, 'into x1');
    const imm = (((w >>> 5) & 0x7ffff) << 2) | ((w >>> 29) & 3);
    assert.equal(4 * i + imm, act);
  }
  assert.equal(insn(17), 0xd2800928, 'mov x8, #73 (ppoll)');
  assert.equal(insn(19) >>> 26, 0x05, 'B');
  assert.equal(19 + ((insn(19) & 0x3ffffff) - 0x4000000), 12, 'branches back to the loop');
  assert.equal(insn(21), 0xd2800bc8, 'mov x8, #94 (exit_group)');
});

test('pauseArch maps Docker and uname spellings, and nothing else', () => {
  assert.equal(pauseArch('amd64'), 'amd64');
  assert.equal(pauseArch('x86_64'), 'amd64');
  assert.equal(pauseArch('aarch64'), 'arm64');
  assert.equal(pauseArch('arm64'), 'arm64');
  assert.equal(pauseArch('s390x'), undefined);
  assert.equal(pauseArch('arm'), undefined);
});

test('tinyTar: a valid ustar header with checksum, padded data and the end marker', () => {
  const data = Uint8Array.from([1, 2, 3]);
  const tar = tarOf([{ name: 'pause', mode: 0o755, data }]);
  assert.equal(tar.length, 512 + 512 + 1024);
  assert.equal(tar.subarray(0, 5).toString(), 'pause');
  assert.equal(tar.subarray(100, 107).toString(), '0000755');
  assert.equal(parseInt(tar.subarray(124, 135).toString(), 8), 3);
  assert.equal(tar.subarray(257, 262).toString(), 'ustar');
  const stored = parseInt(tar.subarray(148, 154).toString(), 8);
  const h = Buffer.from(tar.subarray(0, 512));
  h.fill(0x20, 148, 156);
  assert.equal(stored, h.reduce((a, b) => a + b, 0));
  assert.deepEqual([...tar.subarray(512, 515)], [1, 2, 3]);
  assert.ok(tar.subarray(515).every((b) => b === 0));
  for (const bad of ['', '/abs', '../up', 'a/../b', 'nul\0x', 'x'.repeat(101)]) {
    assert.throws(() => tarOf([{ name: bad, mode: 0o644, data }]), /not allowed/, bad);
  }
});
