import { StorageClassV1 } from "@cdktf/provider-kubernetes/lib/storage-class-v1";
import { Construct } from "constructs";

export interface StorageClassesProps {
  /** Name of the class ClickHouse's volume claims use. */
  readonly clickhouseClassName: string;
  /**
   * Keep the ClickHouse EBS volume when its claim is deleted (an uninstall, a mistaken `kubectl delete pvc`).
   * @default false - the volume goes with the claim
   */
  readonly retainClickHouseVolume?: boolean;
}

/**
 * EBS storage classes (the EBS CSI driver provisions them): `gp3`, encrypted and expandable, made the cluster
 * default so every chart's claims land on it; and the ClickHouse class, the same disk with the reclaim policy the
 * environment asks for. Both bind when the pod is scheduled, so the volume is created in the pod's AZ.
 */
export class StorageClasses extends Construct {
  readonly defaultClass: StorageClassV1;
  readonly clickhouseClass: StorageClassV1;

  constructor(scope: Construct, id: string, props: StorageClassesProps) {
    super(scope, id);
    const encryptedGp3 = {
      storageProvisioner: "ebs.csi.aws.com",
      parameters: { type: "gp3", encrypted: "true", fsType: "ext4" },
      allowVolumeExpansion: true,
      volumeBindingMode: "WaitForFirstConsumer",
    };
    this.defaultClass = new StorageClassV1(this, "gp3", {
      ...encryptedGp3,
      metadata: { name: "gp3", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
      reclaimPolicy: "Delete",
    });
    this.clickhouseClass = new StorageClassV1(this, "clickhouse", {
      ...encryptedGp3,
      metadata: { name: props.clickhouseClassName },
      reclaimPolicy: props.retainClickHouseVolume ? "Retain" : "Delete",
    });
  }
}
