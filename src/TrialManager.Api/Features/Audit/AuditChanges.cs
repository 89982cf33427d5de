using System.Collections;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace TrialManager.Api.Features.Audit;

/// <summary>
/// The changes of one entity as the JSON the audit event stores: [{field, old, new}], with field names and values
/// as the API speaks them (camelCase names; enumerations as their words; covariates as JSON). An insert lists every
/// field's new value, a delete every old value, an update only the fields whose value changed.
/// </summary>
public static class AuditChanges
{
    /// <summary>The JSON text, or null when an update changed nothing.</summary>
    public static string? Write(EntityEntry entry)
    {
        var type = entry.Metadata.ClrType;
        using var buffer = new MemoryStream();
        var written = 0;
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var property in entry.Properties)
            {
                var name = property.Metadata.Name;
                if (AuditFields.IsImplied(name) || property.Metadata.IsShadowProperty())
                    continue;
                var (old, current) = entry.State switch
                {
                    EntityState.Added => ((object?)null, property.CurrentValue),
                    EntityState.Deleted => (property.OriginalValue, null),
                    _ => (property.OriginalValue, property.CurrentValue),
                };
                if (entry.State == EntityState.Modified && (!property.IsModified || SameValue(old, current)))
                    continue;
                json.WriteStartObject();
                json.WriteString("field", JsonNamingPolicy.CamelCase.ConvertName(name));
                var secret = AuditFields.IsSecret(type, name);
                json.WritePropertyName("old");
                WriteValue(json, property, old, secret, present: entry.State != EntityState.Added);
                json.WritePropertyName("new");
                WriteValue(json, property, current, secret, present: entry.State != EntityState.Deleted);
                if (AuditFields.RevealsAllocation(type, name))
                    json.WriteBoolean("blinded", true);
                json.WriteEndObject();
                written++;
            }
            json.WriteEndArray();
        }
        return written == 0 && entry.State == EntityState.Modified ? null : Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteValue(Utf8JsonWriter json, PropertyEntry property, object? value, bool secret, bool present)
    {
        if (!present || value is null)
        {
            json.WriteNullValue();
            return;
        }
        if (secret)
        {
            json.WriteStringValue(AuditFields.SecretValue);
            return;
        }
        var provider = property.Metadata.GetTypeMapping().Converter?.ConvertToProvider(value) ?? value;
        if (property.Metadata.GetColumnType() is "jsonb" or "json" && provider is string rawJson)
        {
            json.WriteRawValue(rawJson);
            return;
        }
        // The common column types directly; anything else through the serializer.
        switch (provider)
        {
            case string text: json.WriteStringValue(text); break;
            case Guid id: json.WriteStringValue(id); break;
            case int number: json.WriteNumberValue(number); break;
            case long number: json.WriteNumberValue(number); break;
            case double number: json.WriteNumberValue(number); break;
            case bool flag: json.WriteBooleanValue(flag); break;
            case DateTimeOffset at: json.WriteStringValue(at); break;
            case DateOnly day: json.WriteStringValue(day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)); break;
            default: JsonSerializer.Serialize(json, provider, provider.GetType(), JsonSerializerOptions.Web); break;
        }
    }

    private static bool SameValue(object? a, object? b) => a switch
    {
        null => b is null,
        byte[] bytes => b is byte[] other && bytes.AsSpan().SequenceEqual(other),
        IEnumerable sequence and not string => b is IEnumerable other && sequence.Cast<object>().SequenceEqual(other.Cast<object>()),
        _ => a.Equals(b),
    };
}
