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
ENV NODE_ENV=production
CMD ["npm", "run", "api"]
