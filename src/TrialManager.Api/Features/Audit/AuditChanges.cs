using System.Buffers;
using System.Collections;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace TrialManager.Api.Features.Audit;

/// <summary>
/// The changes of one entity as the JSON the audit event stores: [{field, old, new}], with field names and values
/// as the API speaks them (camelCase names; enumerations as their words; covariates as compact JSON). An insert lists
/// every field's new value, a delete every old value, an update only the fields whose value changed. A value that
/// reveals an allocation is sealed (<see cref="AuditSeal"/>): stored as {"commitment": hex}, flagged `blinded`, and
/// returned with its salt as an opening to keep beside the event.
/// </summary>
public static class AuditChanges
{
    public sealed record Written(string Changes, IReadOnlyList<AuditSeal.Opening> Sealed);

    /// <summary>The changes and the openings of their sealed values, or null when an update changed nothing.</summary>
    public static Written? Write(EntityEntry entry, RandomNumberGenerator random)
    {
        var type = entry.Metadata.ClrType;
        using var buffer = new MemoryStream();
        var openings = new List<AuditSeal.Opening>();
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
                var sealedField = !secret && AuditFields.IsSealed(type, name);
                json.WritePropertyName("old");
                if (sealedField && entry.State != EntityState.Added)
                    WriteSealed(json, property, old, name, isOld: true, random, openings);
                else
                    WriteValue(json, property, old, secret, present: entry.State != EntityState.Added);
                json.WritePropertyName("new");
                if (sealedField && entry.State != EntityState.Deleted)
                    WriteSealed(json, property, current, name, isOld: false, random, openings);
                else
                    WriteValue(json, property, current, secret, present: entry.State != EntityState.Deleted);
                if (sealedField)
                    json.WriteBoolean("blinded", true);
                json.WriteEndObject();
                written++;
            }
            json.WriteEndArray();
        }
        return written == 0 && entry.State == EntityState.Modified ? null : new Written(Encoding.UTF8.GetString(buffer.ToArray()), openings);
    }

    /// <summary>Writes the commitment in the value's place; a null value is sealed too, so absence tells nothing either.</summary>
    private static void WriteSealed(Utf8JsonWriter json, PropertyEntry property, object? value, string name, bool isOld,
        RandomNumberGenerator random, List<AuditSeal.Opening> openings)
    {
        var text = new ArrayBufferWriter<byte>();
        using (var valueJson = new Utf8JsonWriter(text))
            WriteValue(valueJson, property, value, secret: false, present: true);
        var opening = new AuditSeal.Opening(JsonNamingPolicy.CamelCase.ConvertName(name), isOld, text.WrittenSpan.ToArray(), AuditSeal.NewSalt(random));
        openings.Add(opening);
        json.WriteStartObject();
        json.WriteString(AuditSeal.CommitmentProperty, opening.Commitment);
        json.WriteEndObject();
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
            // Compact, whatever spacing PostgreSQL or the feature gave it: readers re-compute the hash from the JSON they get.
            using var document = JsonDocument.Parse(rawJson);
            document.RootElement.WriteTo(json);
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
            // In UTC as the canonical form writes times: the writer's own form has a '+' that a re-serialised copy escapes.
            case DateTimeOffset at: json.WriteStringValue(AuditChain.Timestamp(at)); break;
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
