/*
 * How ClickHouse is kept on its dedicated node group: the network stack puts this label and taint on the
 * ClickHouse nodes, the app stack gives the ClickHouse pods the matching node selector and toleration.
 */
export const CLICKHOUSE_NODE_LABEL = { key: "workload", value: "clickhouse" } as const;

export const CLICKHOUSE_TAINT = { key: "dedicated", value: "clickhouse" } as const;
