// Compiled at build time by MSBuild's RoslynCodeTaskFactory (see MetaSpec.Torch.targets), so a fresh machine
// needs no tool beyond the .NET SDK. The ELF part has no MSBuild dependency and is also compiled into
// MetaSpec.Torch itself (with METASPEC_ELF_ONLY defined), whose runtime check and tests use it.
//
// Why: TorchSharp 0.107.0's native glue libLibTorchSharp.so was linked against a libstdc++ that has
// GLIBCXX_3.4.32, and lists that version as required. The only symbol under it is
// std::ios_base_library_init(), which GCC 13's <iostream> references to force-link the stream initialiser and
// which nothing calls. Debian 12's libstdc++ stops at GLIBCXX_3.4.30, so the dynamic loader refuses the library.
// Marking that one version requirement weak (VER_FLG_WEAK in its Vernaux entry) lets the loader accept it while
// every other requirement stays strict.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace MetaSpec.Torch.Build
{
    /// <summary>What <see cref="ElfVersionNeeds.Weaken"/> did to one file.</summary>
    internal enum WeakenOutcome
    {
        /// <summary>The flag was set now.</summary>
        Patched,

        /// <summary>The flag was already set (a second run changes nothing).</summary>
        AlreadyWeak,

        /// <summary>The file does not require the version at all.</summary>
        NotRequired,

        /// <summary>The version is required by symbols outside the allowed list: weakening it would hide a real need, so the file is left alone.</summary>
        UsedBySymbols,

        /// <summary>Not a 64-bit little-endian ELF file with section headers and version needs.</summary>
        NotApplicable,
    }

    /// <summary>One version requirement (Vernaux entry) of an ELF shared object.</summary>
    internal sealed class VersionNeed
    {
        internal VersionNeed(string file, string version, bool weak, long flagsOffset, ushort index, List<string> symbols)
        {
            File = file; Version = version; Weak = weak; FlagsOffset = flagsOffset; Index = index; Symbols = symbols;
        }

        /// <summary>The library the version belongs to (<c>libstdc++.so.6</c>).</summary>
        public string File { get; }

        /// <summary>The version name (<c>GLIBCXX_3.4.32</c>).</summary>
        public string Version { get; }

        /// <summary>Whether VER_FLG_WEAK is set: the loader then accepts the library when the version is missing.</summary>
        public bool Weak { get; }

        /// <summary>Byte offset of the entry's vna_flags field in the file.</summary>
        public long FlagsOffset { get; }

        /// <summary>The version index symbols refer to (vna_other).</summary>
        public ushort Index { get; }

        /// <summary>Dynamic symbols bound to this version.</summary>
        public IReadOnlyList<string> Symbols { get; }
    }

    /// <summary>Reads the version requirements of an ELF64 little-endian shared object and weakens one of them.</summary>
    internal static class ElfVersionNeeds
    {
        private const uint ShtDynsym = 11, ShtGnuVerneed = 0x6ffffffe, ShtGnuVersym = 0x6fffffff;
        private const ushort VerFlgWeak = 0x2;

        /// <summary>The version TorchSharp 0.107.0's glue requires but never uses.</summary>
        public const string UnusedVersion = "GLIBCXX_3.4.32";

        /// <summary>The only symbol allowed under <see cref="UnusedVersion"/>: std::ios_base_library_init(), referenced but never called.</summary>
        public const string UnusedSymbol = "_ZSt21ios_base_library_initv";

        /// <summary>Every version requirement in <paramref name="elf"/>; null when it is not a 64-bit little-endian ELF with version needs.</summary>
        public static List<VersionNeed>? Read(byte[] elf)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F') return null;
            if (elf[4] != 2 || elf[5] != 1) return null; // ELFCLASS64, ELFDATA2LSB
            long shoff = (long)U64(elf, 0x28);
            int shentsize = U16(elf, 0x3A), shnum = U16(elf, 0x3C);
            if (shoff <= 0 || shentsize < 64 || shnum == 0 || shoff + (long)shnum * shentsize > elf.Length) return null;

            int verneed = -1, versym = -1, dynsym = -1;
            for (int i = 0; i < shnum; i++)
            {
                uint type = U32(elf, shoff + (long)i * shentsize + 4);
                if (type == ShtGnuVerneed) verneed = i;
                else if (type == ShtGnuVersym) versym = i;
                else if (type == ShtDynsym) dynsym = i;
            }
            if (verneed < 0) return null;
            long Section(int index, int field) => shoff + (long)index * shentsize + field;
            long needOffset = (long)U64(elf, Section(verneed, 0x18));
            int needCount = (int)U32(elf, Section(verneed, 0x2C)); // sh_info: number of Verneed entries
            long strings = (long)U64(elf, Section((int)U32(elf, Section(verneed, 0x28)), 0x18)); // sh_link → .dynstr

            // Symbol names per version index, from .dynsym and its parallel .gnu.version array.
            var symbolsByIndex = new Dictionary<ushort, List<string>>();
            if (dynsym >= 0 && versym >= 0)
            {
                long symOffset = (long)U64(elf, Section(dynsym, 0x18)), symSize = (long)U64(elf, Section(dynsym, 0x20));
                long symStrings = (long)U64(elf, Section((int)U32(elf, Section(dynsym, 0x28)), 0x18));
                long versymOffset = (long)U64(elf, Section(versym, 0x18));
                for (long s = 0; s < symSize / 24; s++)
                {
                    ushort index = (ushort)(U16(elf, versymOffset + 2 * s) & 0x7fff);
                    if (index < 2) continue; // local or global: not a versioned need
                    if (!symbolsByIndex.TryGetValue(index, out var list)) symbolsByIndex[index] = list = new List<string>();
                    list.Add(Text(elf, symStrings + U32(elf, symOffset + 24 * s)));
                }
            }

            var needs = new List<VersionNeed>();
            long need = needOffset;
            for (int n = 0; n < needCount; n++)
            {
                int auxCount = U16(elf, need + 2);
                string file = Text(elf, strings + U32(elf, need + 4));
                long aux = need + U32(elf, need + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    ushort flags = (ushort)U16(elf, aux + 4), index = (ushort)U16(elf, aux + 6);
                    string version = Text(elf, strings + U32(elf, aux + 8));
                    needs.Add(new VersionNeed(file, version, (flags & VerFlgWeak) != 0, aux + 4, index,
                        symbolsByIndex.TryGetValue(index, out var symbols) ? symbols : new List<string>()));
                    uint nextAux = U32(elf, aux + 12);
                    if (nextAux == 0) break;
                    aux += nextAux;
                }
                uint next = U32(elf, need + 12);
                if (next == 0) break;
                need += next;
            }
            return needs;
        }

        /// <summary>
        /// Sets VER_FLG_WEAK on <paramref name="version"/>'s requirement in <paramref name="elf"/> (in memory), provided
        /// every symbol bound to it is in <paramref name="allowedSymbols"/>. Changes exactly that one flags field, and
        /// nothing when it is already weak.
        /// </summary>
        public static WeakenOutcome Weaken(byte[] elf, string version, ICollection<string> allowedSymbols, out VersionNeed? entry)
        {
            entry = null;
            var needs = Read(elf);
            if (needs is null) return WeakenOutcome.NotApplicable;
            entry = needs.Find(n => n.Version == version);
            if (entry is null) return WeakenOutcome.NotRequired;
            if (entry.Weak) return WeakenOutcome.AlreadyWeak;
            foreach (string symbol in entry.Symbols)
                if (!allowedSymbols.Contains(symbol)) return WeakenOutcome.UsedBySymbols;
            ushort flags = (ushort)(U16(elf, entry.FlagsOffset) | VerFlgWeak);
            elf[entry.FlagsOffset] = (byte)flags;
            elf[entry.FlagsOffset + 1] = (byte)(flags >> 8);
            return WeakenOutcome.Patched;
        }

        /// <summary>Weakens TorchSharp's unused GLIBCXX_3.4.32 requirement in the file at <paramref name="path"/>, rewriting it only when the flag changes (its timestamp kept, so incremental copies still see it as up to date).</summary>
        public static WeakenOutcome WeakenFile(string path, out VersionNeed? entry)
        {
            byte[] elf = System.IO.File.ReadAllBytes(path);
            var outcome = Weaken(elf, UnusedVersion, new[] { UnusedSymbol }, out entry);
            if (outcome != WeakenOutcome.Patched) return outcome;
            DateTime written = System.IO.File.GetLastWriteTimeUtc(path);
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None))
            {
                stream.Position = entry!.FlagsOffset;
                stream.Write(elf, (int)entry.FlagsOffset, 2);
            }
            System.IO.File.SetLastWriteTimeUtc(path, written);
            return outcome;
        }

        private static int U16(byte[] b, long o) => b[o] | b[o + 1] << 8;
        private static uint U32(byte[] b, long o) => (uint)(b[o] | b[o + 1] << 8 | b[o + 2] << 16 | b[o + 3] << 24);
        private static ulong U64(byte[] b, long o) => U32(b, o) | (ulong)U32(b, o + 4) << 32;

        private static string Text(byte[] b, long o)
        {
            long end = o;
            while (end < b.Length && b[end] != 0) end++;
            return Encoding.ASCII.GetString(b, (int)o, (int)(end - o));
        }
    }
}

#if !METASPEC_ELF_ONLY
namespace MetaSpec.Torch.Build
{
    /// <summary>The MSBuild task: weakens the unused GLIBCXX requirement of every libLibTorchSharp.so in <see cref="Files"/>.</summary>
    public sealed class MetaSpecWeakenLibTorchSharpVersions : Microsoft.Build.Utilities.Task
    {
        /// <summary>The copies of libLibTorchSharp.so in the build or publish output.</summary>
        [Microsoft.Build.Framework.Required]
        public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

        /// <inheritdoc/>
        public override bool Execute()
        {
            foreach (var item in Files)
            {
                string path = item.GetMetadata("FullPath");
                try
                {
                    var outcome = ElfVersionNeeds.WeakenFile(path, out _);
                    switch (outcome)
                    {
                        case WeakenOutcome.Patched:
                            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal,
                                $"MetaSpec.Torch: marked {ElfVersionNeeds.UnusedVersion} weak in {path} (only the unused {ElfVersionNeeds.UnusedSymbol} needs it).");
                            break;
                        case WeakenOutcome.UsedBySymbols:
                            Log.LogWarning(
                                $"MetaSpec.Torch: {path} needs {ElfVersionNeeds.UnusedVersion} for symbols other than {ElfVersionNeeds.UnusedSymbol}; left unpatched. " +
                                "On a system whose libstdc++ lacks that version, install a newer libstdc++6 or set MetaSpecPatchLibTorchSharp to false and provide your own build.");
                            break;
                        default:
                            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, $"MetaSpec.Torch: {path}: {outcome}.");
                            break;
                    }
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is IndexOutOfRangeException)
                {
                    Log.LogWarning($"MetaSpec.Torch: could not patch {path}: {e.Message}");
                }
            }
            return !Log.HasLoggedErrors;
        }
    }
}
#endif
