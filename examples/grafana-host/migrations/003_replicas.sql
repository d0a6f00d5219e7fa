-- What replicas starting together must agree on: at most one live bootstrap SCIM token per tenant, and one signing key of the development IdP for all of them.

alter table scim_tokens add column bootstrap boolean not null default false;
create unique index scim_tokens_one_bootstrap on scim_tokens (tenant) where bootstrap and revoked_at is null;

create table dev_idp_keys (
  id int primary key check (id = 1),    -- one row: the key every replica signs with
  private_key text not null,            -- PKCS#8 PEM; a development key, never a real IdP's
  public_key text not null              -- SPKI PEM
);
