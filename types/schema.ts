// Public contracts for the SCIM schema model: attribute characteristics (RFC 7643 §2.2, §7) and resource types.

/** An attribute's data type. RFC 7643 §2.3. */
export type AttributeType =
  | 'string'
  | 'boolean'
  | 'decimal'
  | 'integer'
  | 'dateTime'
  | 'binary'
  | 'reference'
  | 'complex'

/** Whether and how a client may change an attribute. RFC 7643 §7 ("mutability"). */
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly'

/** When an attribute appears in a response. RFC 7643 §7 ("returned"). */
export type Returned = 'always' | 'never' | 'default' | 'request'

/** How the service provider enforces uniqueness of an attribute's value. RFC 7643 §7 ("uniqueness"). */
export type Uniqueness = 'none' | 'server' | 'global'

/**
 * One attribute of a schema, with every characteristic of RFC 7643 §7. The same object is served by
 * `/Schemas` and drives filtering, PATCH, validation and projection, so it is the single source of truth.
 */
export interface AttributeDefinition {
  /** Attribute name as the schema spells it (`userName`, `$ref`). Matched case-insensitively. */
  readonly name: string
  /** Data type of the value (or of each value, when multi-valued). */
  readonly type: AttributeType
  /** True when the attribute holds an array of values. */
  readonly multiValued: boolean
  /** Human-readable description, served by `/Schemas`. */
  readonly description: string
  /** True when a resource must carry the attribute. */
  readonly required: boolean
  /** True when string comparisons on the attribute are case-sensitive (`id`, `externalId`). */
  readonly caseExact: boolean
  /** Whether and how clients may change the attribute. */
  readonly mutability: Mutability
  /** When the attribute is returned in responses. */
  readonly returned: Returned
  /** How uniqueness of the value is enforced. */
  readonly uniqueness: Uniqueness
  /** Suggested values (`work`, `home`); not a closed list unless the host enforces it. */
  readonly canonicalValues?: readonly string[]
  /** For `reference` attributes: the resource types or `external` / `uri` the value may point at. */
  readonly referenceTypes?: readonly string[]
  /** For `complex` attributes: the sub-attributes. Complex attributes never nest deeper (RFC 7643 §2.3.8). */
  readonly subAttributes?: readonly AttributeDefinition[]
}

/** A schema: a URN and its attributes. RFC 7643 §7; the shape `/Schemas` returns. */
export interface SchemaDefinition {
  /** The schema URN, e.g. `urn:ietf:params:scim:schemas:core:2.0:User`. */
  readonly id: string
  /** Human-readable name, e.g. `User`. */
  readonly name: string
  /** Human-readable description. */
  readonly description: string
  /** The schema's attributes, excluding the common ones (`id`, `externalId`, `meta`; RFC 7643 §3.1). */
  readonly attributes: readonly AttributeDefinition[]
}

/** An extension schema attached to a resource type. RFC 7643 §6 ("schemaExtensions"). */
export interface SchemaExtensionReference {
  /** URN of the extension schema. */
  readonly schema: string
  /** True when every resource of the type must carry the extension. */
  readonly required: boolean
}

/** A resource type: its endpoint, its core schema and its extensions. RFC 7643 §6. */
export interface ResourceTypeDefinition {
  /** Resource type id and name, e.g. `User`. */
  readonly id: string
  /** Human-readable name, e.g. `User`. */
  readonly name: string
  /** Endpoint relative to the SCIM base URL, e.g. `/Users`. */
  readonly endpoint: string
  /** Human-readable description. */
  readonly description: string
  /** URN of the core schema. */
  readonly schema: string
  /** Extension schemas of this resource type. */
  readonly schemaExtensions: readonly SchemaExtensionReference[]
}

/**
 * An attribute path resolved against a resource type's schemas: where the value lives in a resource
 * and which characteristics govern it.
 */
export interface ResolvedAttribute {
  /** URN of the schema that defines the attribute (core or extension). */
  readonly schema: string
  /** True when the attribute belongs to an extension schema, so its value lives under `resource[schema]`. */
  readonly inExtension: boolean
  /** The top-level attribute. */
  readonly attribute: AttributeDefinition
  /** The sub-attribute, when the path names one (`name.givenName`, `emails.value`). */
  readonly subAttribute?: AttributeDefinition
}

/** Host-supplied extension schema for one resource type (e.g. a custom `urn:acme:...:User` schema). */
export interface SchemaExtensionOptions {
  /** Resource type id the extension attaches to (`User` or `Group`). */
  readonly resourceType: string
  /** The extension schema. Attribute characteristics omitted here take RFC 7643 §2.2 defaults. */
  readonly schema: SchemaDefinitionInput
  /** True when every resource of the type must carry the extension. Defaults to false. */
  readonly required?: boolean
}

/** Attribute definition as a host writes it: only `name` and `type` are mandatory (RFC 7643 §2.2 defaults). */
export interface AttributeDefinitionInput {
  /** Attribute name (`ATTRNAME` of RFC 7644 §3.4.2.2: a letter, then letters, digits, `-` or `_`). */
  readonly name: string
  /** Data type. */
  readonly type: AttributeType
  /** Defaults to false. */
  readonly multiValued?: boolean
  /** Defaults to the empty string. */
  readonly description?: string
  /** Defaults to false. */
  readonly required?: boolean
  /** Defaults to false. */
  readonly caseExact?: boolean
  /** Defaults to `readWrite`. */
  readonly mutability?: Mutability
  /** Defaults to `default`. */
  readonly returned?: Returned
  /** Defaults to `none`. */
  readonly uniqueness?: Uniqueness
  /** Suggested values. */
  readonly canonicalValues?: readonly string[]
  /** Defaults to `['external']` for `reference` attributes. */
  readonly referenceTypes?: readonly string[]
  /** Required for `complex` attributes; forbidden otherwise. */
  readonly subAttributes?: readonly AttributeDefinitionInput[]
}

/** Schema definition as a host writes it. */
export interface SchemaDefinitionInput {
  /** The schema URN; must start with `urn:` and must not clash with a built-in schema. */
  readonly id: string
  /** Defaults to the last segment of the URN. */
  readonly name?: string
  /** Defaults to the empty string. */
  readonly description?: string
  /** The schema's attributes. */
  readonly attributes: readonly AttributeDefinitionInput[]
}
