import {
  ColumnDefinitionNode,
  DataTypeNode,
  OperationNodeTransformer,
  RawNode,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely'

/**
 * Turns `text` columns into `longtext` in migrations on MySQL, whose `text` holds 64 KiB only (a
 * payload or response body may be larger). Key and indexed text is `varchar(191)` already
 * (`StorageDialect.keyTextType`), so the shared migrations stay as they are.
 */
export class MysqlDdlPlugin implements KyselyPlugin {
  readonly #transformer = new LongTextTransformer()

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#transformer.transformNode(args.node, args.queryId)
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result
  }
}

class LongTextTransformer extends OperationNodeTransformer {
  protected override transformColumnDefinition(
    node: ColumnDefinitionNode,
    queryId?: PluginTransformQueryArgs['queryId'],
  ): ColumnDefinitionNode {
    const transformed = super.transformColumnDefinition(node, queryId)
    if (!DataTypeNode.is(transformed.dataType) || transformed.dataType.dataType !== 'text') return transformed
    return { ...transformed, dataType: RawNode.createWithSql('longtext') }
  }
}
