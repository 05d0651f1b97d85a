'use strict';
/*
 * State store for the delivery-metrics collector.
 *
 * Interface (both implementations):
 *   putIfAbsent(key, value, ttlSeconds) -> Promise<boolean>  false when the key already exists
 *   get(key)                            -> Promise<value | undefined>
 *   put(key, value, ttlSeconds)         -> Promise<void>     unconditional overwrite
 *   delete(key)                         -> Promise<void>
 *
 * DynamoDB table: partition key `pk` (String) only, TTL enabled on `expiresAt`.
 * Item: { pk: S, v: S (JSON of the value), expiresAt: N (epoch seconds) }.
 */

const DEFAULT_TTL_SECONDS = 30 * 86400;

const epochSeconds = (now) => Math.floor(now() / 1000);

/**
 * DynamoDB-backed store. `client` is an aggregated `DynamoDB` client from
 * @aws-sdk/client-dynamodb (or any object with putItem/getItem/deleteItem
 * returning promises). When omitted it is created on first use, so merely
 * loading this module (as the tests do) never loads the SDK; the Lambda
 * nodejs20.x runtime provides the SDK v3.
 */
function createDynamoStore({ tableName, client, now = Date.now } = {}) {
  if (!tableName) throw new Error('tableName is required (env SLIPWAY_STATE_TABLE)');
  let ddb = client;
  const db = () => {
    if (!ddb) {
      const { DynamoDB } = require('@aws-sdk/client-dynamodb');
      ddb = new DynamoDB({});
    }
    return ddb;
  };
  const key = (k) => ({ pk: { S: k } });
  const item = (k, value, ttlSeconds = DEFAULT_TTL_SECONDS) => ({
    ...key(k),
    v: { S: JSON.stringify(value) },
    // TTL compares a Number attribute holding epoch *seconds* with the current time:
    // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTimeToLive.html
    expiresAt: { N: String(epochSeconds(now) + ttlSeconds) },
  });

  return {
    async putIfAbsent(k, value, ttlSeconds) {
      try {
        // A conditional put is atomic, so two concurrent invocations handling the
        // same (duplicate) event cannot both win:
        // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
        await db().putItem({
          TableName: tableName,
          Item: item(k, value, ttlSeconds),
          ConditionExpression: 'attribute_not_exists(pk)',
        });
        return true;
      } catch (err) {
        // SDK v3 error name for a failed condition (the item already exists).
        if (err && err.name === 'ConditionalCheckFailedException') return false;
        throw err;
      }
    },

    async get(k) {
      // Strongly consistent: the start/end pairing in index.js writes one side and
      // then reads the other, and must see a write made by a concurrent invocation.
      const { Item } = await db().getItem({ TableName: tableName, Key: key(k), ConsistentRead: true });
      if (!Item || !Item.v) return undefined;
      // TTL deletion is best effort ("typically within two days of expiration") and
      // expired items still show up in reads, so filter them here (same API page).
      if (Item.expiresAt && Number(Item.expiresAt.N) <= epochSeconds(now)) return undefined;
      return JSON.parse(Item.v.S);
    },

    async put(k, value, ttlSeconds) {
      await db().putItem({ TableName: tableName, Item: item(k, value, ttlSeconds) });
    },

    async delete(k) {
      await db().deleteItem({ TableName: tableName, Key: key(k) });
    },
  };
}

/** In-memory store with the same interface (tests, local runs). Expired keys behave as deleted. */
function createMemoryStore({ now = Date.now } = {}) {
  const items = new Map();
  const live = (k) => {
    const it = items.get(k);
    if (it && it.expiresAt <= epochSeconds(now)) {
      items.delete(k);
      return undefined;
    }
    return it;
  };
  const set = (k, value, ttlSeconds = DEFAULT_TTL_SECONDS) =>
    // Round-trip through JSON like the DynamoDB store does.
    items.set(k, { v: JSON.stringify(value), expiresAt: epochSeconds(now) + ttlSeconds });

  return {
    items,
    async putIfAbsent(k, value, ttlSeconds) {
      if (live(k)) return false;
      set(k, value, ttlSeconds);
      return true;
    },
    async get(k) {
      const it = live(k);
      return it ? JSON.parse(it.v) : undefined;
    },
    async put(k, value, ttlSeconds) {
      set(k, value, ttlSeconds);
    },
    async delete(k) {
      items.delete(k);
    },
  };
}

module.exports = { createDynamoStore, createMemoryStore, DEFAULT_TTL_SECONDS };
