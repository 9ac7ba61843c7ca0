// placeholder: wired by the lead engineer (install(host, options) -> { hooks, inboundRouter, adminRouter, worker, uninstall })
export {};
