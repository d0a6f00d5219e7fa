// A user's names in the shared login/email namespace (user_names) and the emails SCIM filters read (user_emails): what SqlUserStore writes beside the users row, and the conflict a taken name is.
import { uniquenessConflict } from '../../lib/errors'
import { userResource } from '../../lib/representation/resources'
import { foldCase } from '../../lib/schema/fold'
import type { StoredUser } from '../../types/stores'
import type { Queryable } from './db'

/** The emails SCIM shows for these fields (the document's, or the modelled email when it differs). */
export function emailsOf(user: StoredUser): { value: string; type: string | null; primary: boolean }[] {
  const emails = userResource(user).emails
  if (!Array.isArray(emails)) return []
  return emails.flatMap((element) =>
    typeof element === 'object' && element !== null && typeof element.value === 'string'
      ? [
          {
            value: element.value,
            type: typeof element.type === 'string' ? element.type : null,
            primary: element.primary === true,
          },
        ]
      : [],
  )
}

/**
 * Rewrites what a user's row does not hold (after an update): its names in the shared login/email namespace (visible users
 * only: RFC 7644 §3.6 leaves deleted resources out of conflicts) and its emails for filters.
 */
export async function writeIndexes(tx: Queryable, tenant: string, user: StoredUser): Promise<void> {
  await tx.query('delete from user_names where user_id = $1', [user.id])
  await tx.query('delete from user_emails where user_id = $1', [user.id])
  if (!user.hidden) {
    const login = foldCase(user.userName)
    await claimName(tx, tenant, login, user.id, 'login')
    if (user.email !== undefined && foldCase(user.email) !== login) {
      await claimName(tx, tenant, foldCase(user.email), user.id, 'email')
    }
  }
  const emails = emailsOf(user)
  if (emails.length > 0) {
    await tx.query(
      `insert into user_emails (tenant, user_id, value, value_folded, type, is_primary, position)
       select $1, $2, e.value, e.folded, e.type, e.is_primary, e.position
       from unnest($3::text[], $4::text[], $5::text[], $6::boolean[]) with ordinality as e(value, folded, type, is_primary, position)`,
      [
        tenant,
        user.id,
        emails.map((e) => e.value),
        emails.map((e) => foldCase(e.value)),
        emails.map((e) => e.type),
        emails.map((e) => e.primary),
      ],
    )
  }
}

/** Takes one name of the namespace; another user holding it is the conflict the name's kind says. */
async function claimName(tx: Queryable, tenant: string, folded: string, id: string, kind: 'login' | 'email') {
  try {
    await tx.query('insert into user_names (tenant, name_folded, user_id, kind) values ($1, $2, $3, $4)', [
      tenant,
      folded,
      id,
      kind,
    ])
  } catch (error) {
    if ((error as { code?: unknown }).code !== '23505') throw error
    throw uniquenessConflict(kind === 'login' ? 'userName' : 'emails')
  }
}

/**
 * The conflict a unique violation on `user_names_key` is: the key PostgreSQL reports (`(tenant,
 * name_folded)=(…, <name>)`) is the folded login, or else the email. Undefined for any other error.
 */
export function nameConflict(error: unknown, foldedLogin: string): Error | undefined {
  const { code, constraint, detail } = error as { code?: unknown; constraint?: unknown; detail?: unknown }
  if (code !== '23505' || constraint !== 'user_names_key') return undefined
  const taken = typeof detail === 'string' ? /=\(.*, (.*)\) already exists/.exec(detail)?.[1] : undefined
  return uniquenessConflict(taken === undefined || taken === foldedLogin ? 'userName' : 'emails')
}
