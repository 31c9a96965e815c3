import { awsError, jsonErrorResponse, type LocalEndpoint, startLocalEndpoint } from "./local-endpoint.ts";

const CONTENT_TYPE = "application/x-amz-json-1.1";

/** A decoded GetParameters request (AWS JSON 1.1). */
export type GetParametersWireRequest = { Names: string[]; WithDecryption?: boolean };

/** A local endpoint that speaks SSM's GetParameters. */
export type FakeSsm = LocalEndpoint & {
  /** Every GetParameters request received, decoded, in arrival order. */
  requests: GetParametersWireRequest[];
};

/**
 * A local HTTP endpoint that answers what `SSMClient` sends for GetParameters — AWS JSON 1.1:
 * `POST /`, `x-amz-target: AmazonSSM.GetParameters` — from a fixed table of String parameters:
 * the names it holds under `Parameters`, the others under `InvalidParameters`, as SSM does.
 * Any other operation is answered with `UnknownOperationException`, so a client speaking
 * another protocol or asking something else fails loudly.
 *
 * @example
 * const ssm = await startFakeSsm({ "/sst/cdm-search/test/Bucket/Uploads/bucketName": "uploads" });
 * process.env.AWS_ENDPOINT_URL_SSM = ssm.endpoint;
 */
export async function startFakeSsm(parameters: Readonly<Record<string, string>>): Promise<FakeSsm> {
  const requests: GetParametersWireRequest[] = [];
  const local = await startLocalEndpoint((raw) => {
    const target = raw.headers["x-amz-target"];
    if (raw.method !== "POST" || raw.url !== "/" || target !== "AmazonSSM.GetParameters") {
      return jsonErrorResponse(awsError(400, "UnknownOperationException", `not GetParameters: ${raw.method} ${raw.url} x-amz-target=${target}`), CONTENT_TYPE);
    }
    const request = JSON.parse(raw.body.toString("utf8")) as GetParametersWireRequest;
    requests.push(request);
    // SSM takes 1 to 10 names a call.
    if (!Array.isArray(request.Names) || request.Names.length < 1 || request.Names.length > 10) {
      return jsonErrorResponse(awsError(400, "ValidationException", "Names must hold 1 to 10 parameter names"), CONTENT_TYPE);
    }
    const found = request.Names.filter((name) => name in parameters);
    const body = {
      Parameters: found.map((name) => ({
        Name: name,
        Type: "String",
        Value: parameters[name],
        Version: 1,
        LastModifiedDate: Date.now() / 1000,
        ARN: `arn:aws:ssm:us-east-1:123456789012:parameter${name}`,
        DataType: "text",
      })),
      InvalidParameters: request.Names.filter((name) => !(name in parameters)),
    };
    return { status: 200, headers: { "content-type": CONTENT_TYPE }, body: JSON.stringify(body) };
  });
  return { ...local, requests };
}
