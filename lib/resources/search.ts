// POST /.search (RFC 7644 §3.4.3): users, then groups, paged as one list.

import { scimError } from '../errors'
import { groupPage } from './group-reads'
import { type ListParameters, listParametersFromSearch } from './list-query'
import { checkedFilter, listQuery, listResponseText, pageSize, ResponseBudget } from './lists'
import { readBody, type ScimRequest } from './request'
import { jsonResponse, type ScimResponse } from './response'
import { userPage } from './users'

/** POST /.search: users, then groups, paged as one list. RFC 7644 §3.4.3. */
export async function searchAll(request: ScimRequest): Promise<ScimResponse> {
  const parameters = listParametersFromSearch(readBody(request))
  // A cursor names a place in one resource type's order; users and groups have no common one.
  if (parameters.cursor !== undefined) {
    throw scimError(400, 'invalidCursor', 'Page by cursor at /Users/.search or /Groups/.search')
  }
  const types = ['User', 'Group']
  const pages = [userPage, ...(request.stores.teams ? [groupPage] : [])].map((page, index) => ({
    page,
    index,
  }))
  // A filter may name attributes of one type only: that type answers, the other contributes nothing.
  let firstError: unknown
  const usable = pages.filter(({ index }) => {
    if (parameters.filter === undefined) return true
    try {
      checkedFilter(request.config, types[index]!, parameters.filter)
      return true
    } catch (error) {
      firstError ??= error
      return false
    }
  })
  if (usable.length === 0) throw firstError
  // Likewise sortBy: a type without the attribute keeps its own order (its resources have no value).
  const sortableFor = (index: number): ListParameters => {
    if (parameters.sortBy === undefined) return parameters
    try {
      listQuery(request.config, types[index]!, { ...parameters, filter: undefined } as ListParameters)
      return parameters
    } catch {
      const { sortBy: _, ...rest } = parameters
      return rest
    }
  }
  let remaining = pageSize(request.config, parameters)
  // One byte budget for the whole page: groups add nothing once users have filled it.
  const budget = new ResponseBudget(request.config.maxResponseBytes)
  let skipped = 0
  let totalResults = 0
  const resources: string[] = []
  for (const { page, index } of usable) {
    const startIndex = Math.max(1, parameters.startIndex - skipped)
    const part = await page(request, { ...sortableFor(index), startIndex, count: remaining }, budget)
    totalResults += part.totalResults
    skipped += part.totalResults
    resources.push(...part.resources)
    remaining = Math.max(0, remaining - part.resources.length)
  }
  return jsonResponse(200, listResponseText(totalResults, parameters.startIndex, resources))
}
