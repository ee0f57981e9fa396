# One image for the API and the worker (the command differs). Node 20, sources run through tsx.
FROM node:20-bookworm-slim
# g++, make, python3 and oneDNN's headers build the TF.js trainer's native CPU kernels at npm ci (a worker on a CPU
# trains 3.5x faster with them); without them the trainer falls back to its wasm kernels.
RUN apt-get update && apt-get install -y --no-install-recommends g++ make python3 libdnnl-dev \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps ./apps
COPY packages ./packages
COPY prisma ./prisma
COPY prisma.config.ts tsconfig.json ./
COPY examples ./examples
RUN npm ci --no-audit --no-fund && npm run build && npm cache clean --force
# The image runs as an unprivileged user, `sweeps` (uid 10001); trial directories go under /data/sweeps (mount the
# snapshot store there). A worker that should keep its secrets from its trials starts as root (compose's and
# Kubernetes' worker do, with SWEEPS_WORKER_RUN_AS=sweeps): it reads its secrets as root, then runs every trial
# process as this user, who can read neither root's /proc/<pid>/environ nor root-only secret files.
RUN groupadd --system --gid 10001 sweeps \
  && useradd --system --uid 10001 --gid sweeps --create-home --home-dir /home/sweeps --shell /usr/sbin/nologin sweeps \
  && mkdir -p /data/sweeps && chown sweeps:sweeps /data/sweeps
ENV NODE_ENV=production SWEEPS_DATA_DIR=/data/sweeps
USER 10001
CMD ["npm", "run", "api"]
