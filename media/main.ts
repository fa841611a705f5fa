// Webview entry: replaced by the panels' scripts.
export {};
