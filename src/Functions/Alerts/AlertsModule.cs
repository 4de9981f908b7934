using Blueshift.Functions.Hosting;

namespace Blueshift.Functions.Alerts;

/// <summary>
/// <c>POST /api/alerts</c>: the webhook Azure Monitor action groups call (common alert schema, every signal type) when an
/// alert rule on a managed app fires or resolves.
/// </summary>
public sealed class AlertsModule : IFunctionModule
{
    public static readonly HttpFunction Webhook = new("AlertWebhook", "alerts", ["POST"], AuthLevel.Function);

    public IEnumerable<FunctionDefinition> Functions => [Webhook];

    public void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapHttpFunction(Webhook, (HttpContext context, AlertWebhook webhook) => webhook.HandleAsync(context));
}
