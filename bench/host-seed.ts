// Seeds the reference host's tables with numbered users by one statement each, for the benchmarks that run it on PostgreSQL (far faster than SCIM POSTs at 1,000,000 users).
import type { Pool } from 'pg'

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'

/**
 * Inserts users 1..count of `tenant`: `user<i>@example.com` as login and work email, `ext-<i>` as
 * externalId, provisioned and active, with their names and emails indexed as the store writes them
 * (ASCII names: foldCase() is lower() here). `displayName` adds `User <i>` to each.
 */
export async function seedUsers(
  pool: Pool,
  options: { readonly tenant: string; readonly count: number; readonly displayName?: boolean },
): Promise<void> {
  const displayName = options.displayName ? `, 'displayName', 'User ' || i` : ''
  await pool.query(
    `insert into users (tenant, id, login, login_folded, email, email_folded, name, external_uid, provisioned, document, seq)
     select $1, gen_random_uuid(), 'user' || i || '@example.com', 'user' || i || '@example.com',
            'user' || i || '@example.com', 'user' || i || '@example.com', 'User ' || i, 'ext-' || i, true,
            jsonb_build_object('schemas', jsonb_build_array($2::text), 'userName', 'user' || i || '@example.com',
              'externalId', 'ext-' || i, 'active', true${displayName},
              'emails', jsonb_build_array(jsonb_build_object('value', 'user' || i || '@example.com', 'type', 'work', 'primary', true))), i
     from generate_series(1, $3::int) as i`,
    [options.tenant, USER_SCHEMA, options.count],
  )
  await pool.query(
    `insert into user_names (tenant, name_folded, user_id, kind) select tenant, login_folded, id, 'login' from users`,
  )
  await pool.query(
    `insert into user_emails (tenant, user_id, value, value_folded, type, is_primary, position)
     select tenant, id, email, email_folded, 'work', true, 1 from users`,
  )
}
