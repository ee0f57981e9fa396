/**
 * The Kubernetes kinds the manifests use, as models of `kubernetes-models` 4.5.1, generated from the OpenAPI
 * schemas of Kubernetes v1.33.0: each model's `validate()` checks types, required fields and formats, and
 * `KindTypes` names each kind's declared fields for schema-check.ts's unknown-field check (the API server's
 * strict field validation, which `kubectl apply` uses by default since v1.27).
 */
import type { Model } from '@kubernetes-models/base';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job, type IJob } from 'kubernetes-models/batch/v1/Job';
import {
  type INetworkPolicy,
  NetworkPolicy,
} from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { ConfigMap, type IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { type INamespace, Namespace } from 'kubernetes-models/v1/Namespace';
import {
  type IPersistentVolumeClaim,
  PersistentVolumeClaim,
} from 'kubernetes-models/v1/PersistentVolumeClaim';
import { type IService, Service } from 'kubernetes-models/v1/Service';

/** The Kubernetes version whose schemas kubernetes-models 4.5.1 holds. */
export const KUBERNETES_VERSION = 'v1.33.0';

export interface KindTypes {
  'apps/v1 Deployment': IDeployment;
  'batch/v1 Job': IJob;
  'networking.k8s.io/v1 NetworkPolicy': INetworkPolicy;
  'v1 ConfigMap': IConfigMap;
  'v1 Namespace': INamespace;
  'v1 PersistentVolumeClaim': IPersistentVolumeClaim;
  'v1 Service': IService;
}

// biome-ignore lint/suspicious/noExplicitAny: each model takes its own kind's data
export const MODELS: Record<keyof KindTypes, new (data: any) => Model<unknown>> = {
  'apps/v1 Deployment': Deployment,
  'batch/v1 Job': Job,
  'networking.k8s.io/v1 NetworkPolicy': NetworkPolicy,
  'v1 ConfigMap': ConfigMap,
  'v1 Namespace': Namespace,
  'v1 PersistentVolumeClaim': PersistentVolumeClaim,
  'v1 Service': Service,
};
