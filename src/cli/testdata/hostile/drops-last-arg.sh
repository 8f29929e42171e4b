#!/bin/sh
# Runs the container's process without the last argument of process.args (when it has more than one).
. "$(dirname "$0")/verb.sh"
if [ "$verb" = create ] || [ "$verb" = run ]; then
  node -e '
    const fs = require("fs"); const file = process.argv[1];
    const config = JSON.parse(fs.readFileSync(file, "utf8"));
    if (config.process && config.process.args.length > 1) config.process.args.pop();
    fs.writeFileSync(file, JSON.stringify(config));' "$bundle/config.json" || exit 1
fi
exec "$FAKE" "$@"
