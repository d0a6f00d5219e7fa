// Short, JSON-like text for any value, so a failure message can show a store call's arguments and result.

/** How deep objects and arrays are shown before they turn into `{…}` / `[…]`. */
const MAX_DEPTH = 3
/** How many elements or properties are shown before `…+N`. */
const MAX_ITEMS = 6
/** How many characters of a string are shown. */
const MAX_STRING = 48

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`
}

function renderString(text: string): string {
  return text.length <= MAX_STRING ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, MAX_STRING))}…`
}

function renderKey(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key)
}

function more(total: number): string[] {
  return total > MAX_ITEMS ? [`…+${total - MAX_ITEMS}`] : []
}

function renderArray(items: readonly unknown[], depth: number): string {
  if (depth >= MAX_DEPTH) return items.length === 0 ? '[]' : '[…]'
  const shown = items.slice(0, MAX_ITEMS).map((item) => render(item, depth + 1))
  return `[${[...shown, ...more(items.length)].join(',')}]`
}

function renderObject(value: object, depth: number): string {
  const keys = Object.keys(value)
  if (depth >= MAX_DEPTH) return keys.length === 0 ? '{}' : '{…}'
  const record = value as Record<string, unknown>
  const shown = keys.slice(0, MAX_ITEMS).map((key) => `${renderKey(key)}:${render(record[key], depth + 1)}`)
  return `{${[...shown, ...more(keys.length)].join(',')}}`
}

function render(value: unknown, depth: number): string {
  if (typeof value === 'string') return renderString(value)
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value !== 'object' || value === null) return String(value)
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()
  if (value instanceof Error) return `${value.name}(${renderString(value.message)})`
  if (Array.isArray(value)) return renderArray(value, depth)
  if (value instanceof Set || value instanceof Map)
    return `${value.constructor.name}${renderArray([...value], depth)}`
  return renderObject(value, depth)
}

/**
 * A one-line, JSON-like rendering of `value` at most `width` characters long: strings quoted and cut,
 * nesting and element counts bounded, Dates as ISO text. For failure messages, not for parsing.
 */
export function summarize(value: unknown, width = 200): string {
  return truncate(render(value, 0), width)
}

/** `label(arg1, arg2)`: a call as a failure message shows it, each argument already rendered. */
export function formatCall(label: string, renderedArguments: readonly string[], width = 400): string {
  return truncate(`${label}(${renderedArguments.join(', ')})`, width)
}
