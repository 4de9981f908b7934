using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Blueshift.Functions.Apps;

/// <summary>
/// The OpenAPI document's account of desired settings: a value may be null (an answer withholds a secret setting's value;
/// a request sends null back to keep the stored one), which the generated schema cannot tell from the C# types.
/// </summary>
internal static class ComplianceOpenApi
{
    public static Task DescribeWithheldValuesAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var property = context.JsonPropertyInfo;
        if (property is not null
            && (property.DeclaringType == typeof(AppComplianceSettings) || property.DeclaringType == typeof(ComplianceBody))
            && property.Name == "desiredSettings"
            && schema.AdditionalProperties is OpenApiSchema values)
        {
            values.Type = (values.Type ?? JsonSchemaType.String) | JsonSchemaType.Null;
            values.Description = "The setting's value; null when an answer withholds a secret setting's value, and in a request to keep the stored value.";
        }
        return Task.CompletedTask;
    }
}
