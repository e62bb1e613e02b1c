# frozen_string_literal: true

require "rexml/document"

# Reads valgrind memcheck's XML output and keeps the errors that belong to the extension: an
# invalid read, write or free with a frame of the extension anywhere in its stack, or a use of
# uninitialised memory whose innermost frame is the extension's. (Ruby's conservative GC reads
# uninitialised stack slots, including those of the extension's frames, by design: those
# errors have their innermost frame in libruby and are not the extension's.)
class ValgrindReport
  # memcheck error kinds that are memory-safety errors wherever in the stack the extension is
  INVALID = %w[InvalidRead InvalidWrite InvalidFree MismatchedFree InvalidJump].freeze

  # memcheck error kinds about uninitialised memory
  UNINITIALISED = %w[UninitCondition UninitValue SyscallParam].freeze

  # One error: its kind, what valgrind says, and its frames (object file, function)
  Error = Struct.new(:kind, :what, :frames) do
    # @param library [String] a fragment of the extension's file name
    # @return [Boolean]
    def in_extension?(library)
      if INVALID.include?(kind)
        frames.any? { |object, _| object.include?(library) }
      elsif UNINITIALISED.include?(kind)
        frames.first&.first.to_s.include?(library)
      else
        false
      end
    end

    # @return [String]
    def to_s
      "#{kind}: #{what}\n" + frames.first(12).map do |object, function|
                               "    #{function} (#{object})"
                             end.join("\n")
    end
  end

  # @param paths [Array<String>] XML files (one per process)
  # @param library [String]
  def initialize(paths, library: "karafka_native")
    @library = library
    @errors = paths.flat_map { |path| parse(path) }
  end

  # @return [Array<Error>] every error valgrind reported
  attr_reader :errors

  # @return [Array<Error>] the extension's errors
  def extension_errors
    @errors.select { |error| error.in_extension?(@library) }
  end

  # @return [String] the summary line
  def summary
    by_kind = @errors.group_by(&:kind).transform_values(&:size)
    "valgrind memcheck: #{extension_errors.size} errors in frames of the extension " \
      "(#{@errors.size} reported in all: #{by_kind.map { |k, n| "#{k} #{n}" }.join(", ")})"
  end

  private

  # @param path [String]
  # @return [Array<Error>]
  def parse(path)
    text = File.read(path)
    return [] if text.strip.empty?

    # A process killed before its end leaves no closing tag; close it.
    text += "</valgrindoutput>" unless text.include?("</valgrindoutput>")
    REXML::Document.new(text).get_elements("//error").map { |node| error_of(node) }
  end

  # @param node [REXML::Element] an `<error>`
  # @return [Error]
  def error_of(node)
    what = node.elements["what"]&.text || node.elements["xwhat/text"]&.text
    Error.new(node.elements["kind"].text, what.to_s, frames_of(node))
  end

  # @param node [REXML::Element] an `<error>`
  # @return [Array<Array(String, String)>] its first stack's frames: object file, function
  def frames_of(node)
    stack = node.get_elements("stack").first
    return [] unless stack

    stack.get_elements("frame").map do |frame|
      [frame.elements["obj"]&.text.to_s, frame.elements["fn"]&.text.to_s]
    end
  end
end
