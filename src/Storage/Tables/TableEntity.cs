using System.Collections;
using System.Diagnostics.CodeAnalysis;
using Azure;

namespace Blueshift.Storage.Tables;

/// <summary>
/// A table entity: its keys, the service-maintained <see cref="Timestamp"/> and <see cref="ETag"/>, and a bag of
/// typed properties. Supported property types are <see cref="string"/>, <see cref="bool"/>, <see cref="int"/>,
/// <see cref="long"/>, <see cref="double"/>, <see cref="DateTimeOffset"/> (a <see cref="DateTime"/> is stored as UTC),
/// <see cref="Guid"/> and <c>byte[]</c>; each round-trips with its type.
/// </summary>
public sealed class TableEntity : IEnumerable<KeyValuePair<string, object>>
{
    private static readonly HashSet<string> ReservedNames = new(StringComparer.Ordinal)
    {
        "PartitionKey", "RowKey", "Timestamp", "odata.etag",
    };

    private readonly Dictionary<string, object> _properties = new(StringComparer.Ordinal);

    /// <summary>Creates an entity with empty keys (set them before writing).</summary>
    public TableEntity()
    {
    }

    /// <summary>Creates an entity with the given keys.</summary>
    public TableEntity(string partitionKey, string rowKey)
    {
        PartitionKey = partitionKey;
        RowKey = rowKey;
    }

    /// <summary>The partition key.</summary>
    public string PartitionKey { get; set; } = string.Empty;

    /// <summary>The row key, unique within the partition.</summary>
    public string RowKey { get; set; } = string.Empty;

    /// <summary>When the service last modified the entity; set by reads, ignored by writes.</summary>
    public DateTimeOffset? Timestamp { get; set; }

    /// <summary>The entity version, set by reads and by every successful write through <see cref="TableClient"/>.</summary>
    public ETag ETag { get; set; }

    /// <summary>The number of custom properties.</summary>
    public int Count => _properties.Count;

    /// <summary>The custom property names.</summary>
    public IEnumerable<string> Keys => _properties.Keys;

    /// <summary>
    /// Gets a custom property (null when absent) or sets one (null removes it).
    /// </summary>
    /// <exception cref="ArgumentException">The name is reserved (use the typed properties) or the value's type is not supported.</exception>
    public object? this[string name]
    {
        get => _properties.GetValueOrDefault(name);
        set
        {
            ArgumentException.ThrowIfNullOrEmpty(name);
            if (ReservedNames.Contains(name))
            {
                throw new ArgumentException($"'{name}' is a system property; use the {nameof(TableEntity)} property of that name.", nameof(name));
            }
            if (value is null)
            {
                _properties.Remove(name);
                return;
            }
            _properties[name] = value switch
            {
                string or bool or int or long or double or DateTimeOffset or Guid or byte[] => value,
                DateTime dateTime => new DateTimeOffset(DateTime.SpecifyKind(dateTime.Kind == DateTimeKind.Local ? dateTime.ToUniversalTime() : dateTime, DateTimeKind.Utc)),
                _ => throw new ArgumentException(
                    $"Property '{name}' has unsupported type {value.GetType().Name}; use string, bool, int, long, double, DateTimeOffset, Guid or byte[].",
                    nameof(value)),
            };
        }
    }

    /// <summary>Whether the entity has the custom property.</summary>
    public bool ContainsKey(string name) => _properties.ContainsKey(name);

    /// <summary>Removes a custom property; true when it was present.</summary>
    public bool Remove(string name) => _properties.Remove(name);

    /// <summary>Gets a custom property when present.</summary>
    public bool TryGetValue(string name, [NotNullWhen(true)] out object? value) => _properties.TryGetValue(name, out value);

    /// <summary>The string property, or null when absent.</summary>
    /// <exception cref="InvalidOperationException">The property holds another type.</exception>
    public string? GetString(string name) => Get<string>(name);

    /// <summary>The Boolean property, or null when absent.</summary>
    /// <exception cref="InvalidOperationException">The property holds another type.</exception>
    public bool? GetBoolean(string name) => GetValue<bool>(name);

    /// <summary>The Int32 property, or null when absent.</summary>
    /// <exception cref="InvalidOperationException">The property holds another type.</exception>
    public int? GetInt32(string name) => GetValue<int>(name);

    /// <summary>The Int64 property (an Int32 widens), or null when absent.</summary>
    /// <exception cref="InvalidOperationException">The property holds another type.</exception>
    public long? GetInt64(string name) => _properties.GetValueOrDefault(name) is int small ? small : GetValue<long>(name);

    /// <summary>The Double property (an Int32 widens, since other writers may send whole doubles untyped), or null when absent.</summary>
    /// <exception cref="InvalidOperationException">The property holds another type.</exception>
    public double? GetDouble(string name) => _properties.GetValueOrDefault(name) is int whole ? whole : GetValue<double>(name);

    /// <summary>The DateTime property as UTC, or null when absent.</summary>
    /// <exception cref="InvalidOperationException">The property holds another type.</exception>
    public DateTimeOffset? GetDateTimeOffset(string name) => GetValue<DateTimeOffset>(name);

    /// <summary>The Guid property, or null when absent.</summary>
    /// <exception cref="InvalidOperationException">The property holds another type.</exception>
    public Guid? GetGuid(string name) => GetValue<Guid>(name);

    /// <summary>The binary property, or null when absent.</summary>
    /// <exception cref="InvalidOperationException">The property holds another type.</exception>
    public byte[]? GetBinary(string name) => Get<byte[]>(name);

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, object>> GetEnumerator() => _properties.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private T? Get<T>(string name) where T : class => _properties.GetValueOrDefault(name) switch
    {
        null => null,
        T value => value,
        var other => throw WrongType(name, typeof(T), other),
    };

    private T? GetValue<T>(string name) where T : struct => _properties.GetValueOrDefault(name) switch
    {
        null => null,
        T value => value,
        var other => throw WrongType(name, typeof(T), other),
    };

    private static InvalidOperationException WrongType(string name, Type wanted, object actual) =>
        new($"Property '{name}' holds a {actual.GetType().Name}, not a {wanted.Name}.");
}
