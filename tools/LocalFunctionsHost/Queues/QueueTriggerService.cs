using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Blueshift.LocalFunctionsHost.FunctionApp;

namespace Blueshift.LocalFunctionsHost.Queues;

/// <summary>
/// Drains queue triggers the way the Functions host does: polls with exponential backoff up to
/// <c>maxPollingInterval</c>, receives a batch hidden while it is processed, invokes <c>POST /{FunctionName}</c> per
/// message, deletes it on success, releases it after <c>visibilityTimeout</c> on failure, and moves it to
/// <c>{queue}-poison</c> once it has failed <c>maxDequeueCount</c> times. Messages are base64 unless host.json says "none".
/// </summary>
/// <remarks>
/// The queue clients take message text as stored and base64 is decoded here: a message that is not valid base64 of UTF-8
/// is never handed to the function, fails each delivery, and reaches the poison queue unchanged, as with the host.
/// </remarks>
internal sealed class QueueTriggerService(
    FunctionAppFolder app,
    LocalSettings settings,
    HandlerProcess handler,
    IHttpClientFactory httpClientFactory,
    TimeProvider timeProvider,
    ILogger<QueueTriggerService> logger) : BackgroundService
{
    private static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(100);

    // While a message is being processed it stays hidden; the host uses the same 10 minutes.
    private static readonly TimeSpan ProcessingVisibility = TimeSpan.FromMinutes(10);

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The clients of every queue trigger, built up front so a missing connection setting stops the host at start-up.</summary>
    public IReadOnlyList<(QueueTriggeredFunction Function, QueueClient Queue, QueueClient Poison)> Listeners { get; } = CreateListeners(app, settings);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Listeners.Count == 0)
        {
            return;
        }
        if (await handler.WaitUntilReadyAsync(stoppingToken) is not { } handlerAddress)
        {
            return;
        }
        await Task.WhenAll(Listeners.Select(l => ListenAsync(l.Function, l.Queue, l.Poison, handlerAddress, stoppingToken)));
    }

    private async Task ListenAsync(QueueTriggeredFunction function, QueueClient queue, QueueClient poison, Uri handlerAddress, CancellationToken stoppingToken)
    {
        var settings = app.Queues;
        Log.QueueListening(logger, function.Name, queue.Name, settings.MaxDequeueCount);
        var client = httpClientFactory.CreateClient(Http.HttpTriggerForwarding.HttpClientName);
        var delay = MinPollingInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            IReadOnlyList<QueueMessage> messages;
            try
            {
                messages = (await queue.ReceiveMessagesAsync(settings.BatchSize, ProcessingVisibility, stoppingToken)).Value;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // The queue does not exist yet: nothing to do, as for an empty queue.
                messages = [];
            }
            catch (RequestFailedException ex)
            {
                Log.QueuePollFailed(logger, queue.Name, function.Name, ex);
                messages = [];
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            if (messages.Count > 0)
            {
                delay = MinPollingInterval;
                await Task.WhenAll(messages.Select(m => ProcessAsync(function, queue, poison, client, handlerAddress, m, stoppingToken)));
                continue;
            }
            try
            {
                await Task.Delay(delay, timeProvider, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, settings.MaxPollingInterval.Ticks));
        }
    }

    private async Task ProcessAsync(QueueTriggeredFunction function, QueueClient queue, QueueClient poison, HttpClient client, Uri handlerAddress, QueueMessage message, CancellationToken stoppingToken)
    {
        try
        {
            // Text that is not valid base64 cannot be bound; the host fails such an invocation without calling the function.
            var succeeded = Decode(message.Body.ToString()) is { } text && await InvokeAsync(function, client, handlerAddress, message, text, stoppingToken);
            if (succeeded)
            {
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, stoppingToken);
            }
            else if (message.DequeueCount >= app.Queues.MaxDequeueCount)
            {
                await poison.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
                // As stored: the poison queue holds what the producer sent, decodable or not.
                await poison.SendMessageAsync(message.Body.ToString(), cancellationToken: stoppingToken);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, stoppingToken);
                Log.QueuePoisoned(logger, message.MessageId, queue.Name, message.DequeueCount, poison.Name);
            }
            else
            {
                await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, messageText: null, app.Queues.VisibilityTimeout, stoppingToken);
            }
        }
        catch (RequestFailedException ex)
        {
            // The message reappears when its processing visibility ends and is retried then.
            Log.QueuePollFailed(logger, queue.Name, function.Name, ex);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the message reappears after its visibility timeout, as with the host.
        }
    }

    // The text the function is given, or null when the stored text is not valid base64 of UTF-8 under base64 encoding.
    private string? Decode(string stored)
    {
        if (!app.Queues.Base64Encoding)
        {
            return stored;
        }
        try
        {
            return StrictUtf8.GetString(Convert.FromBase64String(stored));
        }
        catch (Exception ex) when (ex is FormatException or DecoderFallbackException)
        {
            return null;
        }
    }

    private async Task<bool> InvokeAsync(
        QueueTriggeredFunction function, HttpClient client, Uri handlerAddress, QueueMessage message, string text, CancellationToken stoppingToken)
    {
        var payload = new JsonObject
        {
            ["Data"] = new JsonObject { [function.BindingName] = text },
            ["Metadata"] = new JsonObject
            {
                ["DequeueCount"] = message.DequeueCount,
                ["ExpirationTime"] = message.ExpiresOn?.ToString("O"),
                ["Id"] = message.MessageId,
                ["InsertionTime"] = message.InsertedOn?.ToString("O"),
                ["NextVisibleTime"] = message.NextVisibleOn?.ToString("O"),
                ["PopReceipt"] = message.PopReceipt,
                ["sys"] = new JsonObject
                {
                    ["MethodName"] = function.Name,
                    ["UtcNow"] = timeProvider.GetUtcNow().ToString("O"),
                    ["RandGuid"] = Guid.NewGuid().ToString(),
                },
            },
        };
        try
        {
            using var response = await client.PostAsJsonAsync(new Uri(handlerAddress, "/" + function.Name), payload, stoppingToken);
            Log.QueueInvoked(logger, function.Name, message.MessageId, message.DequeueCount, (int)response.StatusCode);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException ex)
        {
            Log.HandlerUnreachable(logger, function.Name, ex);
            return false;
        }
    }

    private static List<(QueueTriggeredFunction, QueueClient, QueueClient)> CreateListeners(FunctionAppFolder app, LocalSettings settings)
    {
        var listeners = new List<(QueueTriggeredFunction, QueueClient, QueueClient)>();
        foreach (var function in app.Functions.OfType<QueueTriggeredFunction>())
        {
            var connectionString = settings.Values.GetValueOrDefault(function.Connection) ?? Environment.GetEnvironmentVariable(function.Connection)
                ?? throw new FunctionAppException($"Function {function.Name}: its queue connection setting {function.Connection} is not set.");
            var queueName = function.QueueName;
            if (queueName.Length > 2 && queueName.StartsWith('%') && queueName.EndsWith('%'))
            {
                var setting = queueName[1..^1];
                queueName = settings.Values.GetValueOrDefault(setting) ?? Environment.GetEnvironmentVariable(setting)
                    ?? throw new FunctionAppException($"Function {function.Name}: its queue name names the app setting {setting}, which is not set.");
            }
            var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };
            try
            {
                listeners.Add((function, new QueueClient(connectionString, queueName, options), new QueueClient(connectionString, queueName + "-poison", options)));
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
            {
                // The client's message may quote the connection string, account key included.
                throw new FunctionAppException($"Function {function.Name}: its queue connection setting {function.Connection} does not hold a valid storage connection string.");
            }
        }
        return listeners;
    }
}
