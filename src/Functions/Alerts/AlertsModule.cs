using Blueshift.Functions.Api;
using Blueshift.Functions.Hosting;
using Blueshift.Functions.Security;

namespace Blueshift.Functions.Alerts;

/// <summary>
/// <c>POST /api/alerts</c>: the webhook Azure Monitor action groups call (common alert schema, every signal type) when an
/// alert rule on a managed app fires or resolves.
/// </summary>
public sealed class AlertsModule : IFunctionModule
{
    public static readonly HttpFunction Webhook = new("AlertWebhook", "alerts", ["POST"], AuthLevel.Function);

    public void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapHttpFunction(Webhook, (HttpContext context, AlertWebhook webhook) => webhook.HandleAsync(context))
            .WithTags("Alerts")
            .WithSummary("Receives an Azure Monitor alert and rolls back the releases it concerns when it warrants")
            .WithDescription(
                "For action groups with the common alert schema enabled, called with the function key or as a secure webhook (Entra ID token " +
                "with the Blueshift.Releaser app role). A Fired alert at or above an app's severity threshold rolls back its active release, or its " +
                "latest release within the rollback window; anything else is acknowledged. Every delivery of one alert and condition gets the same " +
                "answer. 503 means Blueshift could not finish in time and nothing is lost: deliver again (action groups retry).")
            .AcceptsEntraToken()
            .DescribesBody<CommonAlertPayload>()
            .Produces<AlertAnswer>(StatusCodes.Status200OK)
            .WithResponseHeader(StatusCodes.Status200OK, AlertWebhook.ReplayedHeader, "'true' when the answer repeats the one given to an earlier delivery of this alert.")
            .ProducesProblems(
                StatusCodes.Status400BadRequest,
                StatusCodes.Status401Unauthorized,
                StatusCodes.Status413PayloadTooLarge,
                StatusCodes.Status503ServiceUnavailable)
            .WithResponseHeader(StatusCodes.Status503ServiceUnavailable, "Retry-After", "Seconds to wait before delivering the alert again.");
}
