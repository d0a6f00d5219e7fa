// CPU time for the cluster benchmark, from /proc: the PostgreSQL server's processes, the replicas, this process and the whole machine; undefined wherever /proc cannot be read.
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

/** Clock ticks a second, the unit of /proc's CPU counters (`getconf CLK_TCK`, 100 on Linux). */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()

/** utime + stime of a process in seconds: fields 14 and 15 of /proc/<pid>/stat, counted after `comm`'s `)`. */
function cpuSecondsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const seconds = (Number(fields[11]) + Number(fields[12])) / CLK_TCK
    return Number.isFinite(seconds) ? seconds : undefined
  } catch {
    return undefined
  }
}

/** Every process named `postgres` (postmaster, backends, background workers) and its CPU seconds. */
function postgresCpu(): Map<number, number> | undefined {
  const found = new Map<number, number>()
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      try {
        if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue
      } catch {
        continue // it exited while we looked
      }
      const seconds = cpuSecondsOf(Number(entry))
      if (seconds !== undefined) found.set(Number(entry), seconds)
    }
  } catch {
    return undefined
  }
  // None visible: the server runs elsewhere (another machine, a container of its own).
  return found.size > 0 ? found : undefined
}

interface MachineCpu {
  readonly busy: number
  readonly iowait: number
}

/** The whole machine's busy and iowait seconds, summed over cores (the `cpu` line of /proc/stat). */
function machineCpu(): MachineCpu | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? ''
    const [user, nice, system, , iowait, irq, softirq, steal] = line.split(/\s+/).slice(1, 9).map(Number)
    const busy = [user, nice, system, irq, softirq, steal].reduce<number>((sum, n) => sum + (n ?? 0), 0)
    return Number.isFinite(busy) && iowait !== undefined
      ? { busy: busy / CLK_TCK, iowait: iowait / CLK_TCK }
      : undefined
  } catch {
    return undefined
  }
}

/** The counters at one moment. */
export interface CpuMark {
  readonly postgres: Map<number, number> | undefined
  readonly replicas: readonly (number | undefined)[]
  readonly self: NodeJS.CpuUsage
  readonly machine: MachineCpu | undefined
}

/** CPU seconds spent between two marks, by whom. */
export interface CpuSpent {
  /** Every `postgres` process on this machine. */
  readonly postgres: number | undefined
  /** The replica processes together. */
  readonly replicas: number | undefined
  /** This process: the proxy and the load generator. */
  readonly self: number
  /** The whole machine, other processes included, and the time its cores waited on I/O. */
  readonly machine: MachineCpu | undefined
}

/** Reads every counter now; `replicaPids` are the replicas' processes (each forks nothing, so its own counters are all). */
export function markCpu(replicaPids: readonly (number | undefined)[]): CpuMark {
  return {
    postgres: postgresCpu(),
    replicas: replicaPids.map((pid) => (pid === undefined ? undefined : cpuSecondsOf(pid))),
    self: process.cpuUsage(),
    machine: machineCpu(),
  }
}

/**
 * What was spent between `start` and `end`. A backend that started in between counts whole (it did
 * nothing before); one that ended in between is lost, which the pools' long-lived connections make rare.
 */
export function cpuBetween(start: CpuMark, end: CpuMark): CpuSpent {
  let postgres: number | undefined
  if (start.postgres && end.postgres) {
    postgres = 0
    for (const [pid, seconds] of end.postgres) postgres += seconds - (start.postgres.get(pid) ?? 0)
  }
  let replicas: number | undefined = 0
  for (const [i, seconds] of end.replicas.entries()) {
    const before = start.replicas[i]
    replicas =
      replicas === undefined || seconds === undefined || before === undefined
        ? undefined
        : replicas + seconds - before
  }
  const self = end.self.user - start.self.user + end.self.system - start.self.system
  const machine =
    start.machine && end.machine
      ? { busy: end.machine.busy - start.machine.busy, iowait: end.machine.iowait - start.machine.iowait }
      : undefined
  return { postgres, replicas, self: self / 1e6, machine }
}
