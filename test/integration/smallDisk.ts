import { execFileSync } from 'node:child_process';
import { statfsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

/**
 * A small ext4 filesystem of the test's own: an image file loop-mounted under /var/lib,
 * so a test can fill a disk without touching the machine's real one (root may loop-mount
 * here). destroy() unmounts it (lazily, after what is mounted under it) and deletes it.
 */
export class SmallDisk {
  private constructor(
    readonly dir: string,
    readonly mountpoint: string,
  ) {}

  static async create(sizeMiB: number): Promise<SmallDisk> {
    const dir = await mkdtemp('/var/lib/cryo-it-disk-');
    const image = join(dir, 'disk.img');
    const mountpoint = join(dir, 'mnt');
    await mkdir(mountpoint);
    await execa('truncate', ['-s', `${sizeMiB}M`, image]);
    await execa('mkfs.ext4', ['-q', '-F', '-m', '0', image]);
    await execa('mount', ['-o', 'loop', image, mountpoint]);
    return new SmallDisk(dir, mountpoint);
  }

  /** Bytes free for root on it now. */
  async freeBytes(): Promise<number> {
    const s = await statfs(this.mountpoint);
    return s.bavail * s.bsize;
  }

  /**
   * Fills it until `leaveMiB` are free (a file of its own, `fill`), at once: called from a
   * synchronous phase callback, to fill the disk between a check and the write it guards.
   */
  fillSync(leaveMiB: number): void {
    const s = statfsSync(this.mountpoint);
    const bytes = s.bavail * s.bsize - leaveMiB * 2 ** 20;
    if (bytes > 0) execFileSync('fallocate', ['-l', String(bytes), join(this.mountpoint, 'fill')]);
  }

  async unfill(): Promise<void> {
    await rm(join(this.mountpoint, 'fill'), { force: true });
  }

  async destroy(): Promise<void> {
    await execa('sh', ['-c', 'grep -o " $1/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l', 'sh', this.mountpoint], { reject: false });
    await execa('umount', ['-d', this.mountpoint], { reject: false });
    await execa('umount', ['-l', '-d', this.mountpoint], { reject: false });
    await rm(this.dir, { recursive: true, force: true });
  }
}
