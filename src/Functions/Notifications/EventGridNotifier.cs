using Azure;
using Azure.Core;
using Azure.Messaging;
using Azure.Messaging.EventGrid;

namespace Blueshift.Functions.Notifications;

/// <summary>Publishes the notification as a CloudEvent to an Event Grid topic (key from settings, or the managed identity).</summary>
internal sealed class EventGridNotifier(NotificationOptions options, TokenCredential credential) : INotifier
{
    public string Kind => "eventgrid";

    public async Task PostAsync(Uri endpoint, ReleaseNotification notification, CancellationToken cancellationToken)
    {
        var client = string.IsNullOrEmpty(options.EventGridKey)
            ? new EventGridPublisherClient(endpoint, credential)
            : new EventGridPublisherClient(endpoint, new AzureKeyCredential(options.EventGridKey));
        var cloudEvent = new CloudEvent($"/blueshift/apps/{notification.App}/releases/{notification.ReleaseId}", "Blueshift." + notification.Event, notification)
        {
            Time = notification.Time,
            Subject = notification.App,
        };
        await client.SendEventAsync(cloudEvent, cancellationToken);
    }
}

/// <summary>Settings of the notification channels (configuration section <c>Blueshift:Notifications</c>).</summary>
public sealed class NotificationOptions
{
    public const string SectionName = "Blueshift:Notifications";

    /// <summary>Access key of the Event Grid topics; when empty the app's managed identity publishes.</summary>
    public string? EventGridKey { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
