import {
  IdentifierNode,
  OperationNodeTransformer,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type SchemableIdentifierNode,
  type UnknownRow,
} from 'kysely'

/**
 * Renames hookrelay's logical tables (`deliveries`) to their real, prefixed names
 * (`hookrelay_deliveries`) in every query, wherever a table is named: `from`, `into`, joins,
 * column references (`deliveries.id`), DDL and foreign keys. Other identifiers are left alone, so
 * the plugin is harmless on a caller's transaction that also touches the caller's own tables.
 *
 * Built like Kysely's `WithSchemaPlugin`: a plugin that runs an `OperationNodeTransformer`.
 * Index names are not table identifiers; migrations give them the prefix themselves.
 */
export class TablePrefixPlugin implements KyselyPlugin {
  readonly #transformer: TablePrefixTransformer

  constructor(prefix: string, tables: readonly string[]) {
    this.#transformer = new TablePrefixTransformer(prefix, new Set(tables))
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#transformer.transformNode(args.node, args.queryId)
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result
  }
}

class TablePrefixTransformer extends OperationNodeTransformer {
  readonly #prefix: string
  readonly #tables: ReadonlySet<string>

  constructor(prefix: string, tables: ReadonlySet<string>) {
    super()
    this.#prefix = prefix
    this.#tables = tables
  }

  protected override transformSchemableIdentifier(
    node: SchemableIdentifierNode,
    queryId?: PluginTransformQueryArgs['queryId'],
  ): SchemableIdentifierNode {
    const transformed = super.transformSchemableIdentifier(node, queryId)
    const name = transformed.identifier.name
    if (!this.#tables.has(name)) return transformed
    return { ...transformed, identifier: IdentifierNode.create(this.#prefix + name) }
  }
}
