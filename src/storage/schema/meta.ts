/** Named values of this set of tables, e.g. `database_id` (see migration 003). */
export interface MetaTable {
  name: string
  value: string
}
