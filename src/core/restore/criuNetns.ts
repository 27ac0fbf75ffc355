import type { CommandRunner } from '../exec/runner.js';
import { runChecked } from '../exec/runner.js';

/**
 * Makes a checkpoint restore INTO an existing network namespace (a holder's) instead of a
 * new one. runc marks a netns given by path in the OCI spec external on dump and, on
 * restore, hands the spec's netns to CRIU as inherited fd "extRootNetNS". A checkpoint of a
 * container whose netns runc created itself (every normal Docker container) has no such key:
 * restored into `container:<holder>` it lands in a FRESH empty netns (lo down, no eth0;
 * verified on Docker 28.5.2). Writing the root task's netns image as { ext_key } makes CRIU
 * setns() into the holder's namespace and skip restoring links, addresses and routes
 * (criu/net.c: read_net_ns_img, prepare_net_ns_*_stage, do_create_net_ns).
 *
 * CRIU image layout (criu/image.c, magic.h): u32 IMG_COMMON_MAGIC, u32 type magic, then
 * entries of u32 length + protobuf message, all little-endian on the hosts Cryo supports.
 */
export const RUNC_NETNS_KEY = 'extRootNetNS';
const IMG_COMMON_MAGIC = 0x54564319;
const NETNS_MAGIC = 0x55933752;
const PSTREE_MAGIC = 0x50273030;
const IDS_MAGIC = 0x54432030;

/** The first entry's protobuf bytes of a CRIU image, after checking its magic. */
function firstEntry(img: Buffer, magic: number, what: string): Buffer {
  if (img.length < 12 || img.readUInt32LE(0) !== IMG_COMMON_MAGIC || img.readUInt32LE(4) !== magic) throw new Error(`${what} is not a CRIU image of the expected kind`);
  const len = img.readUInt32LE(8);
  if (12 + len > img.length) throw new Error(`${what} is truncated`);
  return img.subarray(12, 12 + len);
}

/** The fields of one protobuf message (field number -> first value: a number for varints, the bytes for length-delimited). */
function fieldsOf(msg: Buffer): Map<number, number | Buffer> {
  const out = new Map<number, number | Buffer>();
  let i = 0;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      if (i >= msg.length) throw new Error('truncated protobuf varint');
      const b = msg[i++]!;
      v += (b & 0x7f) * mul;
      if (!(b & 0x80)) return v;
      mul *= 128;
    }
  };
  while (i < msg.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    let value: number | Buffer;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const len = varint();
      value = msg.subarray(i, i + len);
      i += len;
    } else if (wire === 5) (value = msg.readUInt32LE(i)), (i += 4);
    else if (wire === 1) (value = 0), (i += 8);
    else throw new Error(`unsupported protobuf wire type ${wire}`);
    if (!out.has(field)) out.set(field, value);
  }
  return out;
}

function numberField(msg: Buffer, field: number): number | undefined {
  const v = fieldsOf(msg).get(field);
  return typeof v === 'number' ? v : undefined;
}

/** pstree.img: the root task's pid (pstree_entry.pid = 1). */
export function rootPidOf(pstree: Buffer): number {
  const pid = numberField(firstEntry(pstree, PSTREE_MAGIC, 'pstree.img'), 1);
  if (pid === undefined) throw new Error('pstree.img has no root pid');
  return pid;
}

/** ids-<pid>.img: the task's network namespace id (task_kobj_ids_entry.net_ns_id = 6), if it has one. */
export function netNsIdOf(ids: Buffer): number | undefined {
  return numberField(firstEntry(ids, IDS_MAGIC, 'ids image'), 6);
}

/** A netns image holding only netns_entry.ext_key (field 8). */
export function externalNetnsImage(key: string = RUNC_NETNS_KEY): Buffer {
  const k = Buffer.from(key);
  if (k.length > 127) throw new Error('key too long');
  const pb = Buffer.concat([Buffer.from([(8 << 3) | 2, k.length]), k]);
  const head = Buffer.alloc(12);
  head.writeUInt32LE(IMG_COMMON_MAGIC, 0);
  head.writeUInt32LE(NETNS_MAGIC, 4);
  head.writeUInt32LE(pb.length, 8);
  return Buffer.concat([head, pb]);
}

/** Whether a netns image already names an external key (a dump of a container that joined a netns by path). */
export function isExternalNetns(img: Buffer): boolean {
  if (img.length === 0) return false;
  return Buffer.isBuffer(fieldsOf(firstEntry(img, NETNS_MAGIC, 'netns image')).get(8));
}

async function readImage(runner: CommandRunner, path: string): Promise<Buffer | undefined> {
  const r = await runner.runBinary(['cat', '--', path], { privileged: true, timeoutMs: 15_000 });
  return r.exitCode === 0 ? r.stdout : undefined;
}

/**
 * Points one checkpoint folder's root netns at the holder (see above). The image is replaced
 * by a new file (write + rename), so a hard-linked copy of the folder leaves the original
 * checkpoint as it was. Returns false when nothing needed changing.
 */
export async function makeNetnsExternal(runner: CommandRunner, dir: string): Promise<boolean> {
  const pstree = await readImage(runner, `${dir}/pstree.img`);
  if (!pstree) throw new Error(`${dir} holds no CRIU dump (pstree.img missing)`);
  const ids = await readImage(runner, `${dir}/ids-${rootPidOf(pstree)}.img`);
  if (!ids) throw new Error(`${dir}: the root task's ids image is missing`);
  const netId = netNsIdOf(ids);
  if (netId === undefined) return false;
  const path = `${dir}/netns-${netId}.img`;
  const current = await readImage(runner, path);
  if (current && isExternalNetns(current)) return false;
  await runChecked(runner, ['sh', '-c', 'cat > "$1.cryo-tmp" && mv -f "$1.cryo-tmp" "$1"', 'sh', path], { input: externalNetnsImage(), privileged: true, timeoutMs: 15_000 });
  return true;
}
