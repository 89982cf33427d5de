using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using TrialManager.Data.Audit;

namespace TrialManager.Api.Features.Audit;

/// <summary>
/// The hash chain of the audit trail. Each event's hash is SHA-256 over its canonical form followed by the hash
/// of the event before it in the same strand (32 zero bytes for a strand's first event). A chain (one per trial)
/// has a few strands so that concurrent writers append in parallel instead of queueing behind each other's commit;
/// within a strand, sequences run 1, 2, 3, ... So editing, deleting, inserting or reordering any event breaks the
/// hash or the sequence of that event or of the next one in its strand.
/// </summary>
public static class AuditChain
{
    public const int Strands = 8;

    /// <summary>The version string that opens the canonical form of an event of each <see cref="AuditEvent.Format"/>.</summary>
    public static string Version(short format) => format switch
    {
        1 => "tm-audit-v1",
        2 => "tm-audit-v2",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown audit event format."),
    };
    public static readonly byte[] Genesis = new byte[SHA256.HashSizeInBytes];

    /// <summary>
    /// The canonical form: a JSON array of every field in a fixed order, timestamps in UTC to the microsecond, and
    /// the changes exactly as stored (sealed values as their commitments). A sealed reason is hashed as
    /// {"commitment": hex}. It is what a third party re-hashes to check the trail independently; the README spells it out.
    /// </summary>
    public static void WriteCanonical(AuditEvent e, Utf8JsonWriter writer)
    {
        writer.WriteStartArray();
        writer.WriteStringValue(Version(e.Format));
        writer.WriteStringValue(e.Id);
        writer.WriteStringValue(e.ChainId);
        writer.WriteNumberValue(e.Strand);
        writer.WriteNumberValue(e.Sequence);
        WriteOrNull(writer, e.TrialId);
        writer.WriteStringValue(Timestamp(e.OccurredAt));
        writer.WriteStringValue(e.Action);
        writer.WriteStringValue(e.EntityType);
        WriteOrNull(writer, e.EntityId);
        writer.WriteRawValue(e.Changes, skipInputValidation: true);
        WriteOrNull(writer, e.ActorUserId);
        WriteOrNull(writer, e.ActorRole);
        WriteOrNull(writer, e.RequestId);
        if (e.ReasonCommitment is { } commitment)
        {
            writer.WriteStartObject();
            writer.WriteString(AuditSeal.CommitmentProperty, commitment);
            writer.WriteEndObject();
        }
        else
            WriteOrNull(writer, e.Reason);
        writer.WriteEndArray();
    }

    public static string Timestamp(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Hashes events one after another, reusing its buffers (verification hashes millions of them).</summary>
    public sealed class Hasher
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(1024);
        private readonly Utf8JsonWriter _writer;

        public Hasher() => _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });

        public void Hash(AuditEvent e, ReadOnlySpan<byte> previousHash, Span<byte> hash)
        {
            _buffer.ResetWrittenCount();
            _writer.Reset(_buffer);
            WriteCanonical(e, _writer);
            _writer.Flush();
            previousHash.CopyTo(_buffer.GetSpan(previousHash.Length));
            _buffer.Advance(previousHash.Length);
            SHA256.HashData(_buffer.WrittenSpan, hash);
        }

        public byte[] Hash(AuditEvent e, ReadOnlySpan<byte> previousHash)
        {
            var hash = new byte[SHA256.HashSizeInBytes];
            Hash(e, previousHash, hash);
            return hash;
        }
    }

    private static void WriteOrNull(Utf8JsonWriter writer, Guid? value)
    {
        if (value is { } v)
            writer.WriteStringValue(v);
        else
            writer.WriteNullValue();
    }

    private static void WriteOrNull(Utf8JsonWriter writer, string? value)
    {
        if (value is null)
            writer.WriteNullValue();
        else
            writer.WriteStringValue(value);
    }
}
