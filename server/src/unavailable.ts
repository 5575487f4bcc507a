/**
 * What a client gets while the database is unreachable (DESIGN §9): the
 * request was fine and will work again, so 503 with Retry-After, never a 500.
 */

/** Seconds a client should wait before trying again: a restarted PostgreSQL is usually back within this. */
export const RETRY_AFTER_SECONDS = 30;

export const UNAVAILABLE_MESSAGE = "The service is briefly unavailable (its database cannot be reached); try again shortly";

/**
 * The page a passenger or tracer sees instead: both languages at once, since
 * choosing one would need what is down. No script, no style (the CSP admits
 * neither without a nonce), no external asset.
 */
export const unavailablePage = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>暂时无法使用 · Temporarily unavailable</title></head>
<body>
<main>
<h1>服务暂时无法使用</h1>
<p>系统正在恢复，请稍候约 ${RETRY_AFTER_SECONDS} 秒后刷新本页重试。乘车请先向司机出示此页面。</p>
<hr>
<h1 lang="en">Temporarily unavailable</h1>
<p lang="en">The service is recovering. Please reload this page in about ${RETRY_AFTER_SECONDS} seconds; meanwhile show this screen to the driver.</p>
</main></body></html>`;
