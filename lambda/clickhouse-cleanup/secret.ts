import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

/** Reads the ClickHouse password (the secret's whole string) at run time; it never enters the environment. */
export async function readPassword(client: SecretsManagerClient, secretArn: string): Promise<string> {
  const response = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (!response.SecretString) throw new Error(`secret ${secretArn} has no string value`);
  return response.SecretString;
}
