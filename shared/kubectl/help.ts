/** What `kubectl`, `kubectl help` and `kubectl VERB --help` print: the subset this console supports. */

export const HELP = `kubectl controls the Container City cluster (a simulated Kubernetes v1.33).

Basic Commands:
  get            Display one or many resources (pods, nodes, deploy, rs, svc, hpa, pdb, events, ns, all)
  describe       Show details of a specific resource or group of resources (pod, node, deploy, rs, svc, hpa, pdb)
  events         List events (--for TYPE/NAME, --types=Warning)
  top            Display resource (CPU/memory) usage (top nodes, top pods)

Deploy Commands:
  apply          Apply a configuration from stdin: apply -f - (Deployment, Service, HorizontalPodAutoscaler, PodDisruptionBudget)
  scale          Set a new size for a deployment: scale deploy/NAME --replicas=N
  autoscale      Auto-scale a deployment: autoscale deploy NAME --min=2 --max=10 --cpu-percent=80
  set image      Update a deployment's image: set image deploy/NAME app=NAME:TAG
  rollout        Manage the rollout of a deployment: rollout status|history|undo deploy/NAME

Cluster Management Commands:
  cordon         Mark node as unschedulable
  uncordon       Mark node as schedulable
  drain          Drain node in preparation for maintenance (--ignore-daemonsets --delete-emptydir-data)
  delete         Delete pods (delete pod NAME, -l app=web), a node, an hpa or a pdb

Other Commands:
  api-resources  Print the supported API resources
  version        Print the client and server version information

Flags: -n/--namespace (only "default" has objects), -o wide|yaml|json|name, -l/--selector, -A, --dry-run=client.
Use "kubectl <command> --help" for more information about a given command.`;

const USAGE: Record<string, string> = {
  get: `Display one or many resources.

Examples:
  kubectl get pods -o wide
  kubectl get deploy web -o yaml
  kubectl get pods -l app=web
  kubectl get all

Usage:
  kubectl get [(-o|--output=)json|yaml|name|wide] (TYPE[,TYPE...] [NAME ...] | TYPE/NAME ...) [flags]`,
  describe: `Show details of a specific resource or group of resources.

Examples:
  kubectl describe pod web-7c9d8b5f6-x2x4k
  kubectl describe pods web        (every pod whose name starts with "web")
  kubectl describe node node-1
  kubectl describe deploy web

Usage:
  kubectl describe (-f FILENAME | TYPE [NAME_PREFIX | -l label] | TYPE/NAME) [flags]`,
  scale: `Set a new size for a deployment.

Examples:
  kubectl scale deploy/web --replicas=5
  kubectl scale deployment web --replicas 5 --current-replicas=3

Usage:
  kubectl scale [--current-replicas=count] --replicas=COUNT (TYPE NAME | TYPE/NAME) [flags]`,
  rollout: `Manage the rollout of a deployment.

Examples:
  kubectl rollout status deploy/web        (prints the current state once; run it again to follow)
  kubectl rollout history deploy/web [--revision=2]
  kubectl rollout undo deploy/web [--to-revision=1]

Usage:
  kubectl rollout SUBCOMMAND (status|history|undo) TYPE/NAME [flags]`,
  cordon: `Mark node as unschedulable.

Usage:
  kubectl cordon NODE [flags]`,
  uncordon: `Mark node as schedulable.

Usage:
  kubectl uncordon NODE [flags]`,
  drain: `Drain node in preparation for maintenance: cordon it, then evict its pods through the Eviction API
(which respects PodDisruptionBudgets; refused evictions are retried every 5s).

Usage:
  kubectl drain NODE [--ignore-daemonsets] [--delete-emptydir-data] [--force] [--grace-period=SECONDS] [flags]`,
  delete: `Delete resources by name or label selector: pods, nodes, horizontalpodautoscalers, poddisruptionbudgets.

Examples:
  kubectl delete pod web-7c9d8b5f6-x2x4k
  kubectl delete pods -l app=web
  kubectl delete hpa web

Usage:
  kubectl delete (TYPE [NAME ... | -l label | --all] | TYPE/NAME ...) [flags]`,
  top: `Display resource (CPU/memory) usage.

Usage:
  kubectl top node [NAME | -l label] [--sort-by=cpu|memory]
  kubectl top pod [NAME | -l label] [--sort-by=cpu|memory]`,
  apply: `Apply a configuration to a resource from stdin (paste the YAML under the command).
Supported: apps/v1 Deployment, v1 Service, autoscaling/v2 (or v1) HorizontalPodAutoscaler, policy/v1 PodDisruptionBudget.
The annotation container-city/behavior (healthy, crashing, failingReadiness, slowStart) chooses how a release behaves.

Usage:
  kubectl apply -f - [--dry-run=client|server] [flags]`,
  autoscale: `Creates an autoscaler that automatically chooses and sets the number of pods of a deployment.

Usage:
  kubectl autoscale (-f FILENAME | TYPE NAME | TYPE/NAME) [--min=MINPODS] --max=MAXPODS [--cpu-percent=CPU] [flags]`,
  set: `Update a deployment's image.

Usage:
  kubectl set image (-f FILENAME | TYPE NAME) CONTAINER_NAME_1=CONTAINER_IMAGE_1 ... [flags]`,
  events: `Display events.

Usage:
  kubectl events [--for TYPE/NAME] [--types=Normal,Warning] [-A] [flags]`,
  version: `Print the client and server version information.

Usage:
  kubectl version [flags]`,
  "api-resources": `Print the supported API resources on the server.

Usage:
  kubectl api-resources [flags]`,
};

export function usageFor(verb: string): string {
  return USAGE[verb] ?? HELP;
}
