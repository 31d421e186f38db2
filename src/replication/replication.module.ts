import { Module } from '@nestjs/common';
import { ReplicationController } from './replication.controller.js';
import { ReplicationResolver } from './replication.resolver.js';
import { ReplicationService } from './replication.service.js';

/** The replication API: REST controller + GraphQL resolver over one service and the REPLICATION_API port (OssModule). */
@Module({
  controllers: [ReplicationController],
  providers: [ReplicationService, ReplicationResolver],
  // The fleet subscribes to the writes made through the gateway (its inventory re-reads those buckets).
  exports: [ReplicationService],
})
export class ReplicationModule {}
