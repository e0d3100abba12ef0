import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** A tmpfs of a few megabytes, for a disk that fills up. Needs root (or CAP_SYS_ADMIN). */
export interface SmallTmpfs {
  readonly dir: string
  /** Remounts it with a larger size: space freed by the operator, files kept. */
  grow(size: string): Promise<void>
  unmount(): Promise<void>
}

/** Mounts a tmpfs of `size` (e.g. '2m'); rejects with the reason when mounting is not permitted. */
export async function mountSmallTmpfs(size: string): Promise<SmallTmpfs> {
  const dir = await mkdtemp(join(tmpdir(), 'hookrelay-full-'))
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir])
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
  return {
    dir,
    async grow(size) {
      await run('mount', ['-o', `remount,size=${size}`, dir])
    },
    async unmount() {
      await run('umount', [dir]).catch(() => run('umount', ['-l', dir]))
      await rm(dir, { recursive: true, force: true })
    },
  }
}
